using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

/// <summary>What CONNACK announces is driven by configuration and honoured when off (5.0 §3.2.2.3).</summary>
public class CapabilityTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static async Task<(Tern.TestKit.RawMqttConnection Client, byte[] ConnAck)> ConnectAsync(Tern.TestKit.TernBroker broker, byte[] connect)
    {
        var client = await broker.ConnectRawAsync();
        await client.SendAsync(connect);
        return (client, await client.ReadPacketAsync(Timeouts.Default));
    }

    private static uint? Property(byte[] connack, PropertyId id)
    {
        var header = new Tern.Protocol.Framing.FixedHeader(connack[0], connack.Length - 2, 2);
        Assert.True(ConnAckPacket.TryDecode(header, connack.AsSpan(2), V5, out var packet, out var violation), violation.ToString());
        return packet.Properties.GetIntegerOrNull(id);
    }

    private static string? StringProperty(byte[] connack, PropertyId id)
    {
        var header = new Tern.Protocol.Framing.FixedHeader(connack[0], connack.Length - 2, 2);
        Assert.True(ConnAckPacket.TryDecode(header, connack.AsSpan(2), V5, out var packet, out _));
        return packet.Properties.GetStringOrNull(id);
    }

    [Fact]
    public async Task Everything_switched_off_is_announced_in_connack()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.RetainAvailable = false;
            o.WildcardSubscriptionAvailable = false;
            o.SubscriptionIdentifiersAvailable = false;
            o.SharedSubscriptionsAvailable = false;
            o.MaximumQoS = 1;
            o.TopicAliasMaximum = 0;
        });
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("caps-off", V5));
        await using var _ = client;

        Assert.Equal(0u, Property(connack, PropertyId.RetainAvailable));
        Assert.Equal(0u, Property(connack, PropertyId.WildcardSubscriptionAvailable));
        Assert.Equal(0u, Property(connack, PropertyId.SubscriptionIdentifierAvailable));
        Assert.Equal(0u, Property(connack, PropertyId.SharedSubscriptionAvailable));
        Assert.Equal(1u, Property(connack, PropertyId.MaximumQoS));
        Assert.Null(Property(connack, PropertyId.TopicAliasMaximum));
    }

    [Fact]
    public async Task Wildcard_and_shared_subscriptions_switched_off_are_refused_with_0xA2_and_0x9E_and_qos_is_capped()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.WildcardSubscriptionAvailable = false;
            o.SharedSubscriptionsAvailable = false;
            o.MaximumQoS = 1;
        });
        await using var client = await broker.ConnectAsync(Packets.Connect("caps-sub", V5));

        await client.SendAsync(Packets.Subscribe(1, "a/+", QualityOfService.AtMostOnce, V5));
        await client.ExpectAsync("90 04 00 01 00 A2", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "$share/g/a", QualityOfService.AtMostOnce, V5));
        await client.ExpectAsync("90 04 00 02 00 9E", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(3, "a/b", QualityOfService.ExactlyOnce, V5));
        await client.ExpectAsync("90 04 00 03 00 01", Timeouts.Default); // granted QoS 1, the maximum
    }

    [Fact]
    public async Task A_retained_publish_when_retain_is_off_gets_0x9A()
    {
        await using var broker = await TestBroker.StartAsync(o => o.RetainAvailable = false);
        await using var client = await broker.ConnectAsync(Packets.Connect("caps-retain", V5));

        await client.SendAsync(Packets.Publish("r", "x", retain: true, version: V5));

        await Expect.DisconnectAsync(client, ReasonCode.RetainNotSupported);
    }

    [Fact]
    public async Task A_publish_above_the_maximum_qos_gets_0x9B()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaximumQoS = 1);
        await using var client = await broker.ConnectAsync(Packets.Connect("caps-qos", V5));

        await client.SendAsync(Packets.Publish("q", "x", QualityOfService.ExactlyOnce, 1, version: V5));

        await Expect.DisconnectAsync(client, ReasonCode.QoSNotSupported);
    }

    [Fact]
    public async Task A_subscription_identifier_when_they_are_off_gets_0xA1()
    {
        await using var broker = await TestBroker.StartAsync(o => o.SubscriptionIdentifiersAvailable = false);
        await using var client = await broker.ConnectAsync(Packets.Connect("caps-sid", V5));

        await client.SendAsync(Packets.Subscribe(1, "s", new SubscriptionOptions(QualityOfService.AtMostOnce), subscriptionIdentifier: 5));

        await Expect.DisconnectAsync(client, ReasonCode.SubscriptionIdentifiersNotSupported);
    }

    [Fact]
    public async Task A_keep_alive_above_the_maximum_is_replaced_by_server_keep_alive_in_50_MQTT_3_2_2_21()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxKeepAlive = 30);
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("ska", V5, keepAlive: 600));
        await using var _ = client;

        Assert.Equal(30u, Property(connack, PropertyId.ServerKeepAlive));
    }

    [Fact]
    public async Task A_keep_alive_above_the_maximum_is_refused_with_return_code_2_in_311()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxKeepAlive = 30);
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("ska-311", keepAlive: 600));
        await using var _ = client;

        Assert.Equal(Tern.TestKit.Hex.Bytes("20 02 00 02"), connack);
    }

    [Fact]
    public async Task Response_information_is_returned_when_requested_and_configured()
    {
        await using var broker = await TestBroker.StartAsync(o => o.ResponseInformation = "replies/");
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("rri", V5, properties: new PropertyBuilder().AddByte(PropertyId.RequestResponseInformation, 1)));
        await using var _ = client;

        Assert.Equal("replies/rri", StringProperty(connack, PropertyId.ResponseInformation));
    }

    [Theory]
    [InlineData(false, ReasonCode.UseAnotherServer)]
    [InlineData(true, ReasonCode.ServerMoved)]
    public async Task A_configured_server_reference_redirects_50_clients_5_0_section_4_11(bool permanently, ReasonCode expected)
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.ServerReference = "other.example:1883";
            o.RedirectPermanently = permanently;
        });
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("moved", V5));
        await using var _ = client;

        Assert.Equal((byte)expected, connack[3]);
        Assert.Equal("other.example:1883", StringProperty(connack, PropertyId.ServerReference));
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_redirected_311_client_gets_server_unavailable()
    {
        await using var broker = await TestBroker.StartAsync(o => o.ServerReference = "other.example:1883");
        var (client, connack) = await ConnectAsync(broker, Packets.Connect("moved-311"));
        await using var _ = client;

        Assert.Equal(Tern.TestKit.Hex.Bytes("20 02 00 03"), connack);
    }
}
