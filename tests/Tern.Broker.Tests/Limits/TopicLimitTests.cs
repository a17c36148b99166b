using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Limits;

/// <summary>
/// RELIABILITY C7 (deep topics) with MaxTopicLevels and MaxTopicLength. 5.0 lets a QoS 1/2 PUBLISH be refused with
/// 0x90 Topic Name invalid in PUBACK/PUBREC (5.0 §3.4.2.1) and a SUBSCRIBE filter with 0x8F (5.0 §3.9.3); QoS 0 and
/// 3.1.1 have no refusal to send, so the connection is closed (5.0 after DISCONNECT 0x90), as Mosquitto does.
/// </summary>
public class TopicLimitTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task A_50_QoS_1_PUBLISH_over_MaxTopicLevels_gets_PUBACK_0x90_and_is_not_routed()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLevels = 3);
        await using var watcher = await broker.ConnectAsync(Packets.Connect("tl-watch"));
        await watcher.SendAsync(Packets.Subscribe(1, "#", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var client = await broker.ConnectAsync(Packets.Connect("tl-pub", V5));

        await client.SendAsync(Packets.Publish("a/b/c/d", "x", QualityOfService.AtLeastOnce, 7, version: V5));

        await client.ExpectAsync("40 03 00 07 90", Timeouts.Default);
        await client.SendAsync(Packets.Publish("a/b/c", "ok", QualityOfService.AtLeastOnce, 8, version: V5));
        await client.ExpectAsync("40 02 00 08", Timeouts.Default);
        Assert.Equal("a/b/c", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
        Assert.Equal(1, broker.Count(5003));
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.TopicLevels));
    }

    [Fact]
    public async Task A_50_QoS_2_PUBLISH_over_MaxTopicLength_gets_PUBREC_0x90_and_no_PUBREL_is_awaited()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLength = 8);
        await using var client = await broker.ConnectAsync(Packets.Connect("tlen-pub", V5));

        await client.SendAsync(Packets.Publish("123456789", "x", QualityOfService.ExactlyOnce, 3, version: V5));

        await client.ExpectAsync("50 03 00 03 90", Timeouts.Default);
        Assert.Equal(0, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "tlen-pub").AwaitingReleaseCount);
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.TopicLength));
    }

    [Fact]
    public async Task A_50_QoS_0_PUBLISH_over_MaxTopicLevels_gets_DISCONNECT_0x90()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLevels = 2);
        await using var client = await broker.ConnectAsync(Packets.Connect("tl-qos0", V5));

        await client.SendAsync(Packets.Publish("a/b/c", "x", version: V5));

        await Expect.DisconnectAsync(client, ReasonCode.TopicNameInvalid);
        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Equal(1, broker.Count(5003));
    }

    [Theory]
    [InlineData(QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtLeastOnce)]
    public async Task A_311_PUBLISH_over_MaxTopicLevels_closes_the_connection(QualityOfService qos)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLevels = 2);
        await using var bystander = await broker.ConnectAsync(Packets.Connect("tl-bystander"));
        await using var client = await broker.ConnectAsync(Packets.Connect("tl-311"));

        await client.SendAsync(Packets.Publish("a/b/c", "x", qos, qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)1));

        await client.ExpectClosedAsync(Timeouts.Default);
        await bystander.ExpectAliveAsync();
        Assert.Equal(1, broker.Count(5003));
    }

    [Fact]
    public async Task The_default_MaxTopicLevels_of_128_refuses_129_levels_RELIABILITY_C7()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("tl-default", V5));
        string levels128 = string.Join('/', Enumerable.Repeat("x", 128));

        await client.SendAsync(Packets.Publish(levels128, "ok", QualityOfService.AtLeastOnce, 1, version: V5));
        await client.ExpectAsync("40 03 00 01 10", Timeouts.Default); // accepted; no subscribers (0x10)
        await client.SendAsync(Packets.Publish(levels128 + "/x", "no", QualityOfService.AtLeastOnce, 2, version: V5));

        await client.ExpectAsync("40 03 00 02 90", Timeouts.Default);
    }

    [Fact]
    public async Task A_50_SUBSCRIBE_filter_over_a_topic_limit_gets_0x8F_and_the_others_in_the_packet_are_granted()
    {
        await using var broker = await TestBroker.StartAsync(o => (o.MaxTopicLevels, o.MaxTopicLength) = (3, 10));

        await using var client = await broker.ConnectAsync(Packets.Connect("tl-sub5", V5));
        await client.SendAsync(LimitSupport.Subscribe(1, V5, "a/b/#", "a/b/c/#", "0123456789x", "ok"));

        await client.ExpectAsync("90 07 00 01 00 01 8F 8F 01", Timeouts.Default);
        Assert.Equal(1, broker.Count(5003));
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.TopicLevels));
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.TopicLength));
    }

    [Fact]
    public async Task A_311_SUBSCRIBE_filter_over_MaxTopicLevels_gets_0x80()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLevels = 3);

        await using var client = await broker.ConnectAsync(Packets.Connect("tl-sub311"));
        await client.SendAsync(LimitSupport.Subscribe(1, ProtocolVersion.V311, "a/+/c/d", "a/+/c"));

        await client.ExpectAsync("90 04 00 01 80 01", Timeouts.Default);
        await client.ExpectAliveAsync();
    }
}
