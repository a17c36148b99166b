using System.Buffers;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>Keep alive and the broker's DISCONNECT, against a scripted broker that answers only when told.</summary>
public sealed class KeepAliveTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task An_idle_client_pings_and_a_missing_PINGRESP_ends_the_connection_as_dead_MQTT_3_1_2_24(ProtocolVersion version)
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, version) with
        {
            KeepAlive = TimeSpan.FromSeconds(1),
            PingTimeout = TimeSpan.FromSeconds(1),
            Reconnect = new MqttReconnectOptions { Enabled = false },
        });
        var log = new ConnectionLog(client);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(version);
        await connecting.WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        // The first PINGREQ is answered: the connection lives on.
        var (ping, _) = await session.ReadPacketAsync(Timeouts.Event);
        Assert.Equal(PacketType.PingReq, ping.Type);
        await session.SendAsync([0xD0, 0x00]);

        // The second is not: one ping timeout later the client gives up.
        var (second, _) = await session.ReadPacketAsync(Timeouts.Event);
        Assert.Equal(PacketType.PingReq, second.Type);
        var lost = await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.Equal(MqttDisconnectReason.KeepAliveTimeout, lost.Reason);
        Assert.False(lost.WillReconnect);
        await session.ExpectClosedAsync(Timeouts.Event);
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task The_Server_Keep_Alive_replaces_the_client_s_own_MQTT_3_1_2_21()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { KeepAlive = TimeSpan.FromSeconds(600) });
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500, new PropertyBuilder().AddUInt16(PropertyId.ServerKeepAlive, 1));
        Assert.Equal((ushort)1, (await connecting.WaitAsync(Timeouts.Event)).ServerKeepAlive);

        var (ping, _) = await session.ReadPacketAsync(Timeouts.Event);
        Assert.Equal(PacketType.PingReq, ping.Type);
    }

    [Fact]
    public async Task A_DISCONNECT_from_the_broker_is_reported_with_its_reason_code_and_string_MQTT_3_14_2_1()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { Reconnect = new MqttReconnectOptions { Enabled = false } });
        var log = new ConnectionLog(client);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        var writer = new ArrayBufferWriter<byte>();
        var properties = new PropertyBuilder().AddString(PropertyId.ReasonString, "maintenance");
        DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = ReasonCode.AdministrativeAction, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500);
        await session.SendAsync(writer.WrittenSpan.ToArray());

        var lost = await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.Equal(MqttDisconnectReason.ServerDisconnected, lost.Reason);
        Assert.Equal(ReasonCode.AdministrativeAction, lost.ReasonCode);
        Assert.Equal("maintenance", lost.ReasonString);
    }

    [Fact]
    public async Task A_malformed_packet_from_the_broker_is_answered_with_DISCONNECT_0x81_in_5_0_MQTT_4_13_1_1()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { Reconnect = new MqttReconnectOptions { Enabled = false } });
        var log = new ConnectionLog(client);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        // PUBLISH with QoS 3: malformed in every version ([MQTT-3.3.1-4]).
        await session.SendAsync([0x36, 0x05, 0x00, 0x01, (byte)'a', 0x00, 0x01]);

        var (disconnect, body) = await session.ExpectAsync(PacketType.Disconnect, Timeouts.Event);
        Assert.Equal((byte)ReasonCode.MalformedPacket, body[0]);
        var lost = await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.Equal(MqttDisconnectReason.ProtocolError, lost.Reason);
        Assert.Equal(ReasonCode.MalformedPacket, lost.ReasonCode);
        Assert.Equal(PacketType.Disconnect, disconnect.Type);
    }
}
