using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

/// <summary>RELIABILITY.md groups A and B over a real socket: each case closes the offender, logs it, and leaves others alone.</summary>
public class ViolationTests
{
    public static TheoryData<string, string> Violations311 => new()
    {
        { "remaining length in 5 bytes (A1)", "30 80 80 80 80 01" },
        { "PUBLISH with QoS 3 (MQTT-3.3.1-4)", "36 05 00 01 'a' 00 01" },
        { "PUBLISH with DUP on QoS 0 (MQTT-3.3.1-2)", "38 03 00 01 'a'" },
        { "wildcard in a PUBLISH topic (MQTT-3.3.2-2)", "30 05 00 03 'a/#'" },
        { "SUBSCRIBE with flags 0000 (MQTT-3.8.1-1)", "80 06 00 01 00 01 'a' 00" },
        { "SUBSCRIBE without filters (MQTT-3.8.3-3)", "82 02 00 01" },
        { "SUBSCRIBE with packet id 0 (MQTT-2.3.1-1)", "82 06 00 00 00 01 'a' 00" },
        { "UNSUBSCRIBE without filters (MQTT-3.10.3-2)", "A2 02 00 01" },
        { "PUBREL with flags 0000 (MQTT-3.6.1-1)", "60 02 00 01" },
        { "PINGREQ with a body (A5)", "C0 01 00" },
        { "DISCONNECT with reserved flags (MQTT-3.14.1-1)", "E1 00" },
        { "a CONNACK from a client (A21)", "20 02 00 00" },
        { "packet type 0 (A7)", "00 00" },
        { "AUTH on a 3.1.1 connection (A7)", "F0 00" },
        { "ill-formed UTF-8 in a topic (MQTT-1.5.3-1)", "30 05 00 03 ED A0 80" },
        { "U+0000 in a topic (MQTT-1.5.3-2)", "30 05 00 03 'a' 00 'b'" },
    };

    [Theory]
    [MemberData(nameof(Violations311))]
    public async Task A_311_protocol_violation_closes_the_connection_without_a_packet_and_others_keep_working(string name, string hex)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var bystander = await broker.ConnectAsync(Packets.Connect("bystander"));
        await using var client = await broker.ConnectAsync(Packets.Connect("offender"));

        await client.SendAsync(hex);

        await client.ExpectClosedAsync(Timeouts.Default);
        await bystander.ExpectAliveAsync();
        Assert.True(broker.Log.Contains("[1002]", StringComparison.Ordinal), $"{name}: no log line; log:\n{broker.Log}");
    }

    public static TheoryData<string, string, ReasonCode> Violations50 => new()
    {
        { "PUBLISH with QoS 3", "36 06 00 01 'a' 00 01 00", ReasonCode.MalformedPacket },
        { "Topic Alias above the Topic Alias Maximum (MQTT-3.3.2-9)", "30 0A 00 03 'a/b' 03 23 00 0B 'x'", ReasonCode.TopicAliasInvalid },
        { "Topic Alias used before it was set", "30 07 00 00 03 23 00 01 'x'", ReasonCode.ProtocolError },
        { "Subscription Identifier in a client PUBLISH (MQTT-3.3.4-6)", "30 07 00 01 'a' 02 0B 01 'x'", ReasonCode.ProtocolError },
        { "duplicate property (A10)", "30 0E 00 01 'a' 0A 02 00 00 00 01 02 00 00 00 02", ReasonCode.ProtocolError },
        { "AUTH without an authentication method", "F0 00", ReasonCode.ProtocolError },
        { "PUBLISH with a Payload Format Indicator of 1 and a payload that is not UTF-8, at QoS 0", "30 08 00 01 'a' 02 01 01 FF FE", ReasonCode.PayloadFormatInvalid },
    };

    [Theory]
    [MemberData(nameof(Violations50))]
    public async Task A_50_protocol_violation_gets_a_disconnect_with_its_reason_code_and_a_reason_string_then_close(string name, string hex, ReasonCode reason)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("offender-5", ProtocolVersion.V500));

        await client.SendAsync(hex);

        var reasonString = await Expect.DisconnectAsync(client, reason);
        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.False(string.IsNullOrEmpty(reasonString));
        Assert.True(broker.Log.Contains("[1002]", StringComparison.Ordinal), $"{name}: no log line");
    }

    [Fact]
    public async Task A_declared_length_over_the_maximum_packet_size_gets_0x95_without_waiting_for_the_body()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxPacketSize = 1024);
        await using var client = await broker.ConnectAsync(Packets.Connect("huge", ProtocolVersion.V500));

        await client.SendAsync("30 FF FF FF 7F"); // 256 MB declared, nothing follows (RELIABILITY C1)

        await Expect.DisconnectAsync(client, ReasonCode.PacketTooLarge);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_huge_declared_length_before_connect_closes_at_once()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 FF FF FF 7F");

        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_publish_of_exactly_the_maximum_packet_size_is_accepted()
    {
        const int max = 2 * 1024 * 1024; // above the transport's default 1 MiB read buffer (RELIABILITY C16)
        await using var broker = await TestBroker.StartAsync(o => o.MaxPacketSize = max);
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("big-sub"));
        await subscriber.SendAsync(Packets.Subscribe(1, "big", QualityOfService.AtMostOnce));
        await subscriber.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("big-pub"));

        // 1 + 3 (remaining length below 2,097,152) + 2 + 3 ("big") + payload = max
        var payload = new string('x', max - 1 - 3 - 2 - 3);
        await publisher.SendAsync(Packets.Publish("big", payload));

        var received = await subscriber.ReadPacketAsync(Timeouts.Default);
        Assert.Equal(max, received.Length);
    }

    [Fact]
    public async Task A_client_that_drops_mid_packet_has_the_partial_packet_discarded()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("half-sub"));
        await subscriber.SendAsync(Packets.Subscribe(1, "half/t", QualityOfService.AtMostOnce));
        await subscriber.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        var client = await broker.ConnectAsync(Packets.Connect("half"));

        var publish = Packets.Publish("half/t", "never whole");
        await client.SendAsync(publish.AsMemory(0, publish.Length - 3));
        client.Abort();

        await subscriber.ExpectSilenceAsync(Timeouts.Quiet);
        await subscriber.ExpectAliveAsync();
        await client.DisposeAsync();
    }
}
