using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class WillTests
{
    private static async Task<Tern.TestKit.RawMqttConnection> WatchAsync(Tern.TestKit.TernBroker broker, string topic)
    {
        var watcher = await broker.ConnectAsync(Packets.Connect("watch-" + Guid.NewGuid().ToString("N")[..8]));
        await watcher.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtLeastOnce));
        await watcher.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        return watcher;
    }

    [Fact]
    public async Task A_connection_lost_without_disconnect_publishes_the_will_MQTT_3_1_2_8()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchAsync(broker, "will/lost");
        var client = await broker.ConnectAsync(Packets.Connect("will-lost", willTopic: "will/lost", willPayload: "offline", willQoS: QualityOfService.AtLeastOnce));

        client.Abort();

        var will = Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(("will/lost", "offline", QualityOfService.AtLeastOnce), (will.Topic, will.Payload, will.QoS));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_polite_disconnect_discards_the_will_MQTT_3_14_4_3()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchAsync(broker, "will/polite");
        await using var client = await broker.ConnectAsync(Packets.Connect("will-polite", willTopic: "will/polite"));

        await client.SendAsync(Packets.Disconnect);
        await client.ExpectClosedAsync(Timeouts.Default);

        // A sentinel on the same topic arrives first and alone: no will came before it.
        await using var sentinel = await broker.ConnectAsync(Packets.Connect("will-sentinel"));
        await sentinel.SendAsync(Packets.Publish("will/polite", "sentinel"));
        Assert.Equal("sentinel", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Payload);
    }

    [Fact]
    public async Task A_protocol_violation_publishes_the_will()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchAsync(broker, "will/violation");
        await using var client = await broker.ConnectAsync(Packets.Connect("will-violation", willTopic: "will/violation"));

        await client.SendAsync("36 05 00 01 'a' 00 01"); // PUBLISH with QoS 3

        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Equal("will/violation", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
    }

    [Fact]
    public async Task A_retained_will_is_kept_for_later_subscribers()
    {
        await using var broker = await TestBroker.StartAsync();
        var client = await broker.ConnectAsync(Packets.Connect("will-retained", willTopic: "will/retained", willPayload: "dead", willRetain: true));
        await using (var watcher = await WatchAsync(broker, "will/retained"))
        {
            client.Abort();
            await watcher.ReadPacketAsync(Timeouts.Default);
        }

        await using var late = await broker.ConnectAsync(Packets.Connect("will-late"));
        await late.SendAsync(Packets.Subscribe(1, "will/#", QualityOfService.AtMostOnce));
        await late.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        var retained = Received.AsPublish(await late.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(("will/retained", "dead", true), (retained.Topic, retained.Payload, retained.Retain));
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_50_disconnect_with_reason_0x04_publishes_the_will()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchAsync(broker, "will/0x04");
        await using var client = await broker.ConnectAsync(Packets.Connect("will-04", ProtocolVersion.V500, willTopic: "will/0x04"));

        await client.SendAsync("E0 01 04");

        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Equal("will/0x04", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
    }
}
