using System.Buffers;
using System.Text;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>MQTT 5.0: reason codes, Receive Maximum, Maximum Packet Size, Topic Aliases, enhanced auth, request / response.</summary>
public sealed class Mqtt5Tests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_publish_nobody_subscribed_to_reports_No_matching_subscribers_MQTT_3_4_2_1(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await ConnectAsync(Options(server, ProtocolVersion.V500));
        var result = await client.PublishAsync(Unique.Topic("nobody"), "x", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        Assert.Equal(ReasonCode.NoMatchingSubscribers, result.ReasonCode);
        Assert.True(result.IsSuccess);
    }

    [Fact]
    public async Task A_refusing_PUBACK_fails_nothing_but_reports_its_code_and_reason_string_MQTT_3_4_2_1()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500));
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);

        var publish = client.PublishAsync("t", "x", QualityOfService.AtLeastOnce);
        ushort id = PacketIdentifierOf(await session.ExpectAsync(PacketType.Publish, Timeouts.Event));
        var writer = new ArrayBufferWriter<byte>();
        var properties = new PropertyBuilder().AddString(PropertyId.ReasonString, "denied by ACL");
        PubAckPacket.Write(writer, new PubAckPacket { Type = PacketType.PubAck, PacketIdentifier = id, ReasonCode = ReasonCode.NotAuthorized, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500);
        await session.SendAsync(writer.WrittenSpan.ToArray());

        var result = await publish.WaitAsync(Timeouts.Event);
        Assert.False(result.IsSuccess);
        Assert.Equal(ReasonCode.NotAuthorized, result.ReasonCode);
        Assert.Equal("denied by ACL", result.ReasonString);
    }

    [Fact]
    public async Task No_more_QoS_1_messages_are_in_flight_than_the_broker_s_Receive_Maximum_MQTT_3_3_4_7()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500));
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500, new PropertyBuilder().AddUInt16(PropertyId.ReceiveMaximum, 2));
        await connecting.WaitAsync(Timeouts.Event);

        var publishes = Enumerable.Range(0, 5).Select(i => client.PublishAsync("t", i.ToString(System.Globalization.CultureInfo.InvariantCulture), QualityOfService.AtLeastOnce)).ToList();
        ushort first = PacketIdentifierOf(await session.ExpectAsync(PacketType.Publish, Timeouts.Event));
        await session.ExpectAsync(PacketType.Publish, Timeouts.Event);
        Assert.Equal(2, client.InflightMessageCount);
        Assert.Equal(3, client.QueuedMessageCount);

        // One acknowledgement opens the window for exactly one more.
        await session.SendAsync(PubAck(first));
        await session.ExpectAsync(PacketType.Publish, Timeouts.Event);
        Assert.True((await publishes[0].WaitAsync(Timeouts.Event)).IsSuccess);
        Assert.Equal(2, client.InflightMessageCount);
        Assert.Equal(2, client.QueuedMessageCount);
    }

    [Fact]
    public async Task A_message_over_the_broker_s_Maximum_Packet_Size_is_not_sent_MQTT_3_2_2_15()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500));
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500, new PropertyBuilder().AddUInt32(PropertyId.MaximumPacketSize, 64));
        await connecting.WaitAsync(Timeouts.Event);

        var error = await Assert.ThrowsAsync<MqttMessageDroppedException>(() => client.PublishAsync("t", new byte[100]).WaitAsync(Timeouts.Event));
        Assert.Contains("Maximum Packet Size of 64", error.Message, StringComparison.Ordinal);

        // A small one after it still goes out: the refusal did not stop the queue.
        await client.PublishAsync("t", new byte[10]).WaitAsync(Timeouts.Event);
        var (header, _) = await session.ExpectAsync(PacketType.Publish, Timeouts.Event);
        Assert.True(header.TotalLength <= 64);
    }

    [Fact]
    public async Task A_packet_over_the_client_s_own_Maximum_Packet_Size_closes_with_0x95_MQTT_3_1_2_25()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { MaximumPacketSize = 32, Reconnect = new MqttReconnectOptions { Enabled = false } });
        var log = new ConnectionLog(client);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        var writer = new ArrayBufferWriter<byte>();
        PublishPacket.Write(writer, ProtocolVersion.V500, new PublishHeader(QualityOfService.AtMostOnce), "t"u8, default, new byte[64]);
        await session.SendAsync(writer.WrittenSpan.ToArray());

        var (_, body) = await session.ExpectAsync(PacketType.Disconnect, Timeouts.Event);
        Assert.Equal((byte)ReasonCode.PacketTooLarge, body[0]);
        Assert.Equal(ReasonCode.PacketTooLarge, (await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event)).ReasonCode);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Automatic_topic_aliases_send_the_topic_once_when_the_broker_allows_aliases_MQTT_3_3_2_12(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        string topic = Unique.Topic("alias");
        await using var subscriber = await ConnectAsync(Options(server, ProtocolVersion.V500));
        await using var subscription = await subscriber.SubscribeAsync(topic).WaitAsync(Timeouts.Event);
        await using var client = new MqttClient(Options(proxy.Port, ProtocolVersion.V500) with { AutoTopicAliases = true });
        var connect = await client.ConnectAsync().WaitAsync(Timeouts.Event);

        for (int i = 0; i < 3; i++)
        {
            await client.PublishAsync(topic, "m" + i).WaitAsync(Timeouts.Event);
            Assert.Equal(topic, (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).Topic);
        }

        var lengths = new List<int>();
        for (int i = 0; i < 3; i++)
        {
            byte[] publish = await proxy.ExpectClientPacketAsync(p => p[0] >> 4 == 3, "PUBLISH", Timeouts.Event);
            lengths.Add(TopicLengthOf(publish));
        }

        int full = Encoding.UTF8.GetByteCount(topic);
        Assert.Equal(connect.TopicAliasMaximum > 0 ? [full, 0, 0] : [full, full, full], lengths);
    }

    [Fact]
    public async Task Topic_aliases_from_the_broker_are_resolved_and_an_unknown_one_is_refused_with_0x94_MQTT_3_3_2_9()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { TopicAliasMaximum = 2, Reconnect = new MqttReconnectOptions { Enabled = false } });
        var topics = System.Threading.Channels.Channel.CreateUnbounded<string>();
        client.MessageReceived += (_, e) => topics.Writer.TryWrite(e.Message.Topic);
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V500);
        await connecting.WaitAsync(Timeouts.Event);

        await session.SendAsync(Publish("sensors/1", alias: 1));
        await session.SendAsync(Publish(string.Empty, alias: 1));
        Assert.Equal("sensors/1", await topics.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Event));
        Assert.Equal("sensors/1", await topics.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Event));

        await session.SendAsync(Publish("x", alias: 3));
        var (_, body) = await session.ExpectAsync(PacketType.Disconnect, Timeouts.Event);
        Assert.Equal((byte)ReasonCode.TopicAliasInvalid, body[0]);
    }

    [Fact]
    public async Task A_resent_QoS_2_message_is_delivered_once_and_acknowledged_each_time_MQTT_4_3_3_2()
    {
        await using var broker = new FakeBroker();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V311));
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        client.MessageReceived += (_, e) => received.Writer.TryWrite(e.Message.PayloadAsString());
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);
        await session.AcceptConnectAsync(ProtocolVersion.V311);
        await connecting.WaitAsync(Timeouts.Event);

        // PUBLISH QoS 2 id 7 "once", then the same with DUP, then a QoS 0 marker.
        await session.SendAsync([0x34, 0x09, 0x00, 0x01, (byte)'t', 0x00, 0x07, (byte)'o', (byte)'n', (byte)'c', (byte)'e']);
        await session.SendAsync([0x3C, 0x09, 0x00, 0x01, (byte)'t', 0x00, 0x07, (byte)'o', (byte)'n', (byte)'c', (byte)'e']);
        await session.ExpectAsync(PacketType.PubRec, Timeouts.Event);
        await session.ExpectAsync(PacketType.PubRec, Timeouts.Event);
        await session.SendAsync([0x30, 0x07, 0x00, 0x01, (byte)'t', (byte)'l', (byte)'a', (byte)'s', (byte)'t']);
        await session.SendAsync([0x62, 0x02, 0x00, 0x07]);
        var (pubComp, body) = await session.ExpectAsync(PacketType.PubComp, Timeouts.Event);
        Assert.Equal(new byte[] { 0x00, 0x07 }, body);
        Assert.Equal(PacketType.PubComp, pubComp.Type);

        Assert.Equal("once", await received.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Event));
        Assert.Equal("last", await received.Reader.ReadAsync().AsTask().WaitAsync(Timeouts.Event));
    }

    [Fact]
    public async Task Enhanced_authentication_answers_each_AUTH_challenge_before_CONNACK_MQTT_4_12_0_1()
    {
        await using var broker = new FakeBroker();
        var authenticator = new EchoAuthenticator();
        await using var client = new MqttClient(Options(broker.Port, ProtocolVersion.V500) with { Authenticator = authenticator });
        var connecting = client.ConnectAsync();
        await using var session = await broker.AcceptAsync(Timeouts.Event);

        var (connectHeader, connectBody) = await session.ExpectAsync(PacketType.Connect, Timeouts.Event);
        Assert.True(ConnectPacket.TryDecode(connectHeader, connectBody, out var connect, out _));
        Assert.Equal("ECHO", connect.Properties.GetStringOrNull(PropertyId.AuthenticationMethod));
        Assert.True(connect.Properties.TryGetBytes(PropertyId.AuthenticationData, out var initial));
        Assert.Equal("hello"u8.ToArray(), initial.ToArray());

        await session.SendAsync(Auth(ReasonCode.ContinueAuthentication, "challenge"));
        var (authHeader, authBody) = await session.ExpectAsync(PacketType.Auth, Timeouts.Event);
        Assert.True(AuthPacket.TryDecode(authHeader, authBody, ProtocolVersion.V500, out var answer, out _));
        Assert.Equal(ReasonCode.ContinueAuthentication, answer.ReasonCode);
        Assert.Equal("re:challenge", Encoding.UTF8.GetString(answer.AuthenticationData));

        var writer = new ArrayBufferWriter<byte>();
        var properties = new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, "ECHO").AddBytes(PropertyId.AuthenticationData, "welcome"u8);
        ConnAckPacket.Write(writer, new ConnAckPacket { Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500);
        await session.SendAsync(writer.WrittenSpan.ToArray());
        Assert.True((await connecting.WaitAsync(Timeouts.Event)).IsSuccess);
        Assert.Equal("welcome", authenticator.Final);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_request_gets_the_response_that_carries_its_correlation_data_MQTT_4_10(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string service = Unique.Topic("echo");
        await using var responder = await ConnectAsync(Options(server, ProtocolVersion.V500));
        await using var requests = await responder.SubscribeAsync(service, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        var serving = Task.Run(async () =>
        {
            await foreach (var request in requests)
            {
                await responder.RespondAsync(request, Encoding.UTF8.GetBytes("echo:" + request.PayloadAsString()));
            }
        });

        await using var requester = await ConnectAsync(Options(server, ProtocolVersion.V500));
        using var timeout = new CancellationTokenSource(Timeouts.Event);
        var first = requester.RequestAsync(service, "a"u8.ToArray(), cancellationToken: timeout.Token);
        var second = requester.RequestAsync(service, "b"u8.ToArray(), cancellationToken: timeout.Token);
        Assert.Equal("echo:a", (await first).PayloadAsString());
        Assert.Equal("echo:b", (await second).PayloadAsString());
    }

    [Fact]
    public async Task Request_response_needs_5_0()
    {
        await using var client = new MqttClient(Options(1883, ProtocolVersion.V311));
        await Assert.ThrowsAsync<NotSupportedException>(() => client.RequestAsync("t", "x"u8.ToArray()));
    }

    private static byte[] PubAck(ushort id) => [0x40, 0x02, (byte)(id >> 8), (byte)id];

    private static byte[] Publish(string topic, ushort alias)
    {
        var writer = new ArrayBufferWriter<byte>();
        var properties = new PropertyBuilder().AddUInt16(PropertyId.TopicAlias, alias);
        PublishPacket.Write(writer, ProtocolVersion.V500, new PublishHeader(QualityOfService.AtMostOnce), Encoding.UTF8.GetBytes(topic), properties.Span, "p"u8);
        return writer.WrittenSpan.ToArray();
    }

    private static byte[] Auth(ReasonCode code, string data)
    {
        var writer = new ArrayBufferWriter<byte>();
        var properties = new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, "ECHO").AddBytes(PropertyId.AuthenticationData, Encoding.UTF8.GetBytes(data));
        AuthPacket.Write(writer, new AuthPacket { ReasonCode = code, Properties = new MqttProperties(properties.Span) });
        return writer.WrittenSpan.ToArray();
    }

    private static ushort PacketIdentifierOf((FixedHeader Header, byte[] Body) publish)
    {
        int topicLength = (publish.Body[0] << 8) | publish.Body[1];
        return (ushort)((publish.Body[2 + topicLength] << 8) | publish.Body[3 + topicLength]);
    }

    private static int TopicLengthOf(byte[] publish)
    {
        int at = 1;
        while ((publish[at] & 0x80) != 0)
        {
            at++;
        }

        return (publish[at + 1] << 8) | publish[at + 2];
    }

    private sealed class EchoAuthenticator : IMqttEnhancedAuthenticator
    {
        public string Method => "ECHO";

        public string? Final { get; private set; }

        public ValueTask<ReadOnlyMemory<byte>> GetInitialDataAsync(CancellationToken cancellationToken) => ValueTask.FromResult<ReadOnlyMemory<byte>>("hello"u8.ToArray());

        public ValueTask<ReadOnlyMemory<byte>> ContinueAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken) =>
            ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes("re:" + Encoding.UTF8.GetString(serverData.Span)));

        public ValueTask CompleteAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken)
        {
            Final = Encoding.UTF8.GetString(serverData.Span);
            return ValueTask.CompletedTask;
        }
    }
}
