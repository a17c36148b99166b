using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>Lost connections: reconnect with backoff, subscriptions restored, DUP resend, broker restarts.</summary>
public sealed class ReconnectTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_cut_connection_is_reported_re_established_and_its_subscriptions_restored_MQTT_3_2_2_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        await using var client = new MqttClient(Options(proxy.Port, version));
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
        string topic = Unique.Topic("restore");
        await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);

        proxy.CutAll();

        var lost = await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.True(lost.WillReconnect);
        Assert.Contains(lost.Reason, new[] { MqttDisconnectReason.TransportClosed, MqttDisconnectReason.TransportError });
        var back = await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
        Assert.True(back.IsReconnect);
        Assert.False(back.Result.SessionPresent);

        // The clean session forgot the subscription; the client subscribes again after the CONNACK, so a new message
        // still arrives. The resubscription is the client's own SUBSCRIBE and may reach the broker after a first
        // publish: publish until one arrives (bounded).
        await using var publisher = await ConnectAsync(Options(server, version));
        var read = subscription.ReadAsync().AsTask();
        for (int attempt = 0; attempt < 10 && !read.IsCompleted; attempt++)
        {
            await publisher.PublishAsync(topic, "after", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
            await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(1)));
        }

        Assert.Equal("after", (await read.WaitAsync(Timeouts.Event)).PayloadAsString());
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Unacknowledged_QoS_1_and_2_messages_are_resent_with_DUP_when_the_session_is_present_MQTT_4_4_0_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        string topic = Unique.Topic("dup");
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using var client = new MqttClient(Options(proxy.Port, version) with { CleanStart = false, SessionExpiryInterval = 60 });
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        // The broker's acknowledgements never reach the client: both exchanges stay open.
        proxy.HoldBrokerBytes = true;
        var atLeastOnce = client.PublishAsync(topic, "one", QualityOfService.AtLeastOnce);
        var exactlyOnce = client.PublishAsync(topic, "two", QualityOfService.ExactlyOnce);
        byte[] first1 = await proxy.ExpectClientPacketAsync(p => p[0] >> 4 == 3 && ((p[0] >> 1) & 3) == 1, "QoS 1 PUBLISH", Timeouts.Event);
        byte[] first2 = await proxy.ExpectClientPacketAsync(p => p[0] >> 4 == 3 && ((p[0] >> 1) & 3) == 2, "QoS 2 PUBLISH", Timeouts.Event);
        Assert.Equal(0, first1[0] & 0x08);
        Assert.Equal(2, client.InflightMessageCount);

        proxy.CutAll();
        proxy.HoldBrokerBytes = false;
        await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.True((await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event)).Result.SessionPresent);

        byte[] again1 = await proxy.ExpectClientPacketAsync(p => p[0] >> 4 == 3 && ((p[0] >> 1) & 3) == 1, "resent QoS 1 PUBLISH", Timeouts.Event);
        byte[] again2 = await proxy.ExpectClientPacketAsync(p => p[0] >> 4 == 3 && ((p[0] >> 1) & 3) == 2, "resent QoS 2 PUBLISH", Timeouts.Event);
        Assert.Equal(0x08, again1[0] & 0x08);
        Assert.Equal(0x08, again2[0] & 0x08);
        Assert.Equal(Packets.PacketIdOf(first1), Packets.PacketIdOf(again1));
        Assert.Equal(Packets.PacketIdOf(first2), Packets.PacketIdOf(again2));
        Assert.True((await atLeastOnce.WaitAsync(Timeouts.Event)).IsSuccess);
        Assert.True((await exactlyOnce.WaitAsync(Timeouts.Event)).IsSuccess);
        Assert.Equal(0, client.InflightMessageCount);

        // QoS 2 arrives exactly once; QoS 1 at least once.
        await client.PublishAsync(topic, "marker", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        var payloads = new List<string>();
        while (!payloads.Contains("marker"))
        {
            payloads.Add((await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        }

        Assert.Single(payloads, p => p == "two");
        Assert.Contains("one", payloads);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task The_client_reconnects_after_a_broker_restart_and_resubscribes(string broker)
    {
        var settings = new BrokerSettings { LogSink = Output.WriteLine };
        var server = await Brokers.StartAsync(broker, settings);
        try
        {
            await using var client = new MqttClient(Options(server));
            var log = new ConnectionLog(client);
            await client.ConnectAsync().WaitAsync(Timeouts.Event);
            await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
            string topic = Unique.Topic("restart");
            await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);

            server = await BrokerRestart.RestartAsync(server, settings);

            Assert.True((await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event)).WillReconnect);
            Assert.False((await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Process)).Result.SessionPresent);
            await using var publisher = await ConnectAsync(Options(server));
            await publisher.PublishAsync(topic, "back", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
            Assert.Equal("back", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Messages_in_flight_and_published_while_the_broker_restarts_are_delivered_after_it_MQTT_4_4_0_1(string broker)
    {
        // Both brokers with persistence keep the session through the restart: the unacknowledged message is resent
        // with DUP and its packet identifier ([MQTT-4.4.0-1]), and nothing is lost.
        var settings = new BrokerSettings { Persistence = true, LogSink = Output.WriteLine };
        var server = await Brokers.StartAsync(broker, settings);
        try
        {
            await using var proxy = TcpProxy.To(server.Port);
            string topic = Unique.Topic("restart-inflight");
            await using var client = new MqttClient(Options(proxy.Port) with { CleanStart = false });
            var log = new ConnectionLog(client);
            await client.ConnectAsync().WaitAsync(Timeouts.Event);
            await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

            proxy.HoldBrokerBytes = true;
            var inFlight = client.PublishAsync(topic, "in flight", QualityOfService.AtLeastOnce);
            byte[] first = await proxy.ExpectClientPacketAsync(p => Packets.IsPublish(p, 1), "QoS 1 PUBLISH", Timeouts.Event);
            proxy.RefuseConnections = true;

            server = await BrokerRestart.RestartAsync(server, settings);

            Assert.True((await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event)).WillReconnect);
            var offline = client.PublishAsync(topic, "offline", QualityOfService.ExactlyOnce);
            Assert.Equal(1, client.QueuedMessageCount);
            Assert.Equal(1, client.InflightMessageCount);
            await using var subscriber = await ConnectAsync(Options(server));
            await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);

            proxy.HoldBrokerBytes = false;
            proxy.RefuseConnections = false;
            Assert.True((await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Process)).Result.SessionPresent);
            byte[] again = await proxy.ExpectClientPacketAsync(p => Packets.IsPublish(p, 1), "QoS 1 PUBLISH after the restart", Timeouts.Event);
            Assert.True(Packets.HasDup(again));
            Assert.Equal(Packets.PacketIdOf(first), Packets.PacketIdOf(again));

            Assert.True((await inFlight.WaitAsync(Timeouts.Event)).IsSuccess);
            Assert.True((await offline.WaitAsync(Timeouts.Event)).IsSuccess);
            Assert.Equal("in flight", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
            Assert.Equal("offline", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task The_will_is_published_when_the_connection_is_cut_without_DISCONNECT_MQTT_3_1_2_8(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        string willTopic = Unique.Topic("will");
        await using var watcher = await ConnectAsync(Options(server, version));
        await using var wills = await watcher.SubscribeAsync(willTopic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await using var client = new MqttClient(Options(proxy.Port, version) with
        {
            Will = new MqttWill(new MqttMessage(willTopic, "gone") { QoS = QualityOfService.AtLeastOnce }),
            Reconnect = new MqttReconnectOptions { Enabled = false },
        });
        await client.ConnectAsync().WaitAsync(Timeouts.Event);

        proxy.CutAll();

        var will = await wills.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
        Assert.Equal("gone", will.PayloadAsString());
    }

    [Fact]
    public void The_backoff_doubles_from_the_initial_delay_up_to_the_cap_with_bounded_jitter()
    {
        var policy = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(100), MaxDelay = TimeSpan.FromSeconds(2), Multiplier = 2, Jitter = 0.2 };
        Assert.Equal(100, policy.DelayFor(0, 0.5).TotalMilliseconds, 3);
        Assert.Equal(200, policy.DelayFor(1, 0.5).TotalMilliseconds, 3);
        Assert.Equal(1600, policy.DelayFor(4, 0.5).TotalMilliseconds, 3);
        Assert.Equal(2000, policy.DelayFor(5, 0.5).TotalMilliseconds, 3);
        Assert.Equal(2000, policy.DelayFor(500, 0.5).TotalMilliseconds, 3);
        Assert.Equal(80, policy.DelayFor(0, 0).TotalMilliseconds, 3);
        Assert.Equal(120, policy.DelayFor(0, 0.999999).TotalMilliseconds, 0);
        Assert.True(policy.DelayFor(500, 0.999999) <= policy.MaxDelay);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Two_clients_with_one_identifier_knock_each_other_off_in_turn_and_the_events_show_it_MQTT_3_1_4_2(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("same");
        var counts = new int[2, 2];
        var done = new Signal("both clients connected and were knocked off 3 times each");
        var reasons = new System.Collections.Concurrent.ConcurrentBag<MqttDisconnectReason>();
        var clients = new MqttClient[2];
        for (int i = 0; i < 2; i++)
        {
            int index = i;
            clients[i] = new MqttClient(Options(server, version, clientId) with
            {
                Reconnect = new MqttReconnectOptions { InitialDelay = TimeSpan.FromMilliseconds(30), MaxDelay = TimeSpan.FromMilliseconds(200) },
            });
            clients[i].Connected += (_, _) => Count(index, 0);
            clients[i].Disconnected += (_, e) =>
            {
                reasons.Add(e.Reason);
                Count(index, 1);
            };
        }

        try
        {
            await clients[0].ConnectAsync().WaitAsync(Timeouts.Event);
            await clients[1].ConnectAsync().WaitAsync(Timeouts.Event);
            await done.WaitAsync(TimeSpan.FromSeconds(20));
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // 3.1.1 brokers just close the old connection. A 5.0 broker may say why first (DISCONNECT 0x8E, 5.0 §4.13):
        // Tern does; Mosquitto 2.0.11 was seen closing without it.
        var expected = version == ProtocolVersion.V500 && broker == "tern" ? MqttDisconnectReason.SessionTakenOver : MqttDisconnectReason.TransportClosed;
        Assert.Contains(expected, reasons);
        Assert.All(reasons, reason => Assert.Contains(reason, new[] { MqttDisconnectReason.SessionTakenOver, MqttDisconnectReason.TransportClosed, MqttDisconnectReason.TransportError, MqttDisconnectReason.ClientDisconnected }));

        void Count(int client, int kind)
        {
            lock (counts)
            {
                counts[client, kind]++;
                if (counts[0, 0] >= 3 && counts[0, 1] >= 3 && counts[1, 0] >= 3 && counts[1, 1] >= 3)
                {
                    done.Set();
                }
            }
        }
    }
}
