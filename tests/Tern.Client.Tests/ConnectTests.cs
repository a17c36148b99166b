using System.Buffers;
using System.Net.Sockets;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>CONNECT / CONNACK as the client sees them, against every broker under test and a scripted one.</summary>
public sealed class ConnectTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_persistent_session_is_absent_on_the_first_connect_and_present_on_the_next_MQTT_3_2_2_2(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        var options = Options(server, version) with { CleanStart = false, SessionExpiryInterval = 60 };

        await using (var first = new MqttClient(options))
        {
            var result = await first.ConnectAsync().WaitAsync(Timeouts.Event);
            Assert.Equal(ReasonCode.Success, result.ReasonCode);
            Assert.Equal(ConnectReturnCode.Accepted, result.ReturnCode);
            Assert.False(result.SessionPresent);
        }

        await using var second = new MqttClient(options);
        Assert.True((await second.ConnectAsync().WaitAsync(Timeouts.Event)).SessionPresent);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_clean_session_is_never_present_MQTT_3_2_2_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        var options = Options(server, version);
        for (int i = 0; i < 2; i++)
        {
            await using var client = new MqttClient(options);
            Assert.False((await client.ConnectAsync().WaitAsync(Timeouts.Event)).SessionPresent);
        }
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_5_0_client_without_identifier_gets_one_assigned_MQTT_3_2_2_16(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = new MqttClient(Options(server, ProtocolVersion.V500, clientId: string.Empty));
        var result = await client.ConnectAsync().WaitAsync(Timeouts.Event);
        Assert.False(string.IsNullOrEmpty(result.AssignedClientIdentifier));
        Assert.Equal(result.AssignedClientIdentifier, client.ClientId);
    }

    [Fact]
    public async Task A_3_1_1_client_without_identifier_makes_one_up_so_a_persistent_session_is_allowed_MQTT_3_1_3_8()
    {
        await using var server = await StartBrokerAsync("tern");
        await using var client = new MqttClient(Options(server, clientId: string.Empty) with { CleanStart = false });
        var result = await client.ConnectAsync().WaitAsync(Timeouts.Event);
        Assert.StartsWith("tern-", result.ClientId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_closed_port_fails_with_connection_refused()
    {
        int port = Tern.TestKit.FreePort.OnLoopback();
        await using var client = new MqttClient(Options(port));
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.Equal($"cannot connect to 127.0.0.1:{port}: connection refused", error.Message);
        Assert.Equal(SocketError.ConnectionRefused, error.SocketError);
        Assert.False(client.IsConnected);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_refusal_reports_its_code_as_not_authorized_0x87_MQTT_3_2_2_5(ProtocolVersion version)
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, version));
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.ExpectAsync(PacketType.Connect, Timeouts.Event);
        var writer = new ArrayBufferWriter<byte>();
        ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }, version);
        await session.SendAsync(writer.WrittenSpan.ToArray());

        var error = await Assert.ThrowsAsync<MqttConnectException>(() => connecting.WaitAsync(Timeouts.Event));
        Assert.Equal(ReasonCode.NotAuthorized, error.ReasonCode);
        Assert.Equal("not authorized (0x87)", error.Message);
        Assert.Equal(ConnectReturnCode.NotAuthorized, error.Result!.ReturnCode);
    }

    [Fact]
    public async Task The_5_0_connect_carries_the_options_as_properties_MQTT_3_1_2_11()
    {
        await using var broker = new FakeBroker();
        var options = Options(broker.Port, ProtocolVersion.V500) with
        {
            SessionExpiryInterval = 120,
            ReceiveMaximum = 10,
            MaximumPacketSize = 4096,
            TopicAliasMaximum = 5,
            UserProperties = [new MqttUserProperty("app", "test")],
            Will = new MqttWill(new MqttMessage("will/topic", "gone") { QoS = QualityOfService.AtLeastOnce, ContentType = "text/plain" }) { DelayInterval = 3 },
            UserName = "user",
            Password = "secret",
        };
        await using var client = new MqttClient(options);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        byte[] body = await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);

        var header = new Tern.Protocol.Framing.FixedHeader(0x10, body.Length, 2);
        Assert.True(ConnectPacket.TryDecode(header, body, out var connect, out var violation), violation.ToString());
        Assert.Equal(120u, connect.Properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval));
        Assert.Equal(10u, connect.Properties.GetIntegerOrNull(PropertyId.ReceiveMaximum));
        Assert.Equal(4096u, connect.Properties.GetIntegerOrNull(PropertyId.MaximumPacketSize));
        Assert.Equal(5u, connect.Properties.GetIntegerOrNull(PropertyId.TopicAliasMaximum));
        Assert.True(connect.HasWill);
        Assert.Equal(QualityOfService.AtLeastOnce, connect.WillQoS);
        Assert.Equal(3u, connect.WillProperties.GetIntegerOrNull(PropertyId.WillDelayInterval));
        Assert.Equal("text/plain", connect.WillProperties.GetStringOrNull(PropertyId.ContentType));
        Assert.Equal("user"u8.ToArray(), connect.UserName.ToArray());
        Assert.Equal("secret"u8.ToArray(), connect.Password.ToArray());
        Assert.Equal((ushort)60, connect.KeepAlive);
    }
}
