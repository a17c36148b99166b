using System.Buffers;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Limits;

/// <summary>RELIABILITY §6 group C cases not covered by the other limit tests (C6 tree shrink, C8, C10, C14).</summary>
public class ResourceGapsTests
{
    [Fact]
    public async Task Twenty_thousand_filters_are_capped_per_client_and_unsubscribing_them_all_shrinks_the_tree_to_its_baseline_RELIABILITY_C6()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 1000);
        var tree = broker.Broker.Engine.Tree;
        int baselineNodes = tree.NodeCount;
        int baselineCount = tree.Count;
        await using var client = await broker.ConnectAsync(Packets.Connect("c6-litter", ProtocolVersion.V500));
        var filters = Enumerable.Range(0, 20_000).Select(i => $"c6/{i / 100}/{i}/x").ToArray();
        int granted = 0, refused = 0;

        // Ten SUBSCRIBEs of 1,000 filters, then one SUBSCRIBE with the remaining 10,000 entries.
        ushort packetId = 1;
        foreach (var chunk in filters.Take(10_000).Chunk(1000).Append(filters[10_000..]))
        {
            await client.SendAsync(LimitSupport.Subscribe(packetId++, ProtocolVersion.V500, chunk));
            var suback = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0x90, suback[0]);
            var codes = suback.AsSpan(suback.Length - chunk.Length);
            granted += codes.Count((byte)0x01);
            refused += codes.Count((byte)0x97);
        }

        Assert.Equal(1000, granted);
        Assert.Equal(19_000, refused);
        Assert.Equal(baselineCount + 1000, tree.Count);
        Assert.True(tree.NodeCount > baselineNodes + 1000, $"the tree should hold the granted filters' nodes, has {tree.NodeCount}");

        int removed = 0;
        foreach (var chunk in filters.Chunk(2000))
        {
            await client.SendAsync(Unsubscribe(packetId++, chunk));
            var unsuback = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal(0xB0, unsuback[0]);
            var codes = unsuback.AsSpan(unsuback.Length - chunk.Length);
            removed += codes.Count((byte)0x00);
            Assert.Equal(chunk.Length, codes.Count((byte)0x00) + codes.Count((byte)0x11));
        }

        Assert.Equal(1000, removed);
        Assert.Equal(baselineCount, tree.Count);
        Assert.Equal(baselineNodes, tree.NodeCount);
        Assert.Equal(0, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "c6-litter").SubscriptionCount);
        await client.ExpectAliveAsync();
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_client_id_of_65535_bytes_is_accepted_with_the_default_MaxClientIdLength_RELIABILITY_C8(ProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync();
        string clientId = new('i', 65_535);

        await using var client = await broker.ConnectAsync(Packets.Connect(clientId, version));

        await client.ExpectAliveAsync();
        Assert.Contains(broker.Broker.Engine.Sessions.GetAll(), s => s.ClientId == clientId);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, "20 02 00 02")]
    [InlineData(ProtocolVersion.V500, null)]
    public async Task A_client_id_longer_than_MaxClientIdLength_is_refused_with_0x85_or_return_code_2_RELIABILITY_C8(ProtocolVersion version, string? connack)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxClientIdLength = 100);
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Packets.Connect(new string('i', 65_535), version));

        var frame = await client.ReadPacketAsync(Timeouts.Default);
        if (connack is not null)
        {
            Assert.Equal(Tern.TestKit.Hex.Bytes(connack), frame);
        }
        else
        {
            Assert.Equal(0x20, frame[0]);
            Assert.Equal((byte)ReasonCode.ClientIdentifierNotValid, frame[3]);
        }

        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task User_name_password_and_user_property_of_65535_bytes_each_are_accepted_within_MaxPacketSize_RELIABILITY_C8()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();
        var connect = LongFieldsConnect("c8-long");
        Assert.True(connect.Length < broker.Broker.Engine.Options.MaxPacketSize);

        await client.SendAsync(connect);

        var connack = await client.ReadPacketAsync(Timeouts.Default);
        Assert.Equal(0x20, connack[0]);
        Assert.Equal(0x00, connack[3]);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_CONNECT_with_65535_byte_fields_above_MaxPacketSize_is_refused_by_closing_with_a_log_line_RELIABILITY_C8()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxPacketSize = 100_000);
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(LongFieldsConnect("c8-too-long"));

        // The size is refused from the fixed header, before the protocol level is read, so no CONNACK (whose form
        // depends on the version) is sent: the connection closes and the violation is logged (5.0 §4.13.1).
        await client.ExpectClosedAsync(Timeouts.Default);
        await LimitSupport.WaitUntilAsync(() => broker.Count(1002) == 1, "the oversized CONNECT logged as a violation");
        Assert.DoesNotContain(broker.Broker.Engine.Sessions.GetAll(), s => s.ClientId == "c8-too-long");
    }

    /// <summary>A 5.0 CONNECT whose user name, password and one user property (name and value) are 65,535 bytes each.</summary>
    private static byte[] LongFieldsConnect(string clientId)
    {
        string big = new('u', 65_535);
        var properties = new PropertyBuilder().AddUserProperty(big, big);
        var writer = new ArrayBufferWriter<byte>();
        ConnectPacket.Write(writer, new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            CleanSession = true,
            KeepAlive = 60,
            Properties = new MqttProperties(properties.Span),
            ClientIdentifier = Encoding.UTF8.GetBytes(clientId),
            HasUserName = true,
            UserName = Encoding.UTF8.GetBytes(big),
            HasPassword = true,
            Password = Encoding.UTF8.GetBytes(big),
        });
        return writer.WrittenSpan.ToArray();
    }

    [Fact]
    public async Task A_CONNECT_with_50000_user_properties_is_processed_and_the_broker_stays_responsive_RELIABILITY_C10()
    {
        await using var broker = await TestBroker.StartAsync();
        var properties = new PropertyBuilder();
        for (int i = 0; i < 50_000; i++)
        {
            properties.AddUserProperty("k", "v");
        }

        await using var flooder = await broker.ConnectAsync(Packets.Connect("c10-connect", ProtocolVersion.V500, properties: properties));
        await using var other = await broker.ConnectAsync(Packets.Connect("c10-other", ProtocolVersion.V500));

        await flooder.ExpectAliveAsync(Timeouts.Default);
        await other.ExpectAliveAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_PUBLISH_with_10000_user_properties_reaches_100_subscribers_with_all_its_properties_RELIABILITY_C10()
    {
        await using var broker = await TestBroker.StartAsync();
        var subscribers = new List<Tern.TestKit.RawMqttConnection>();
        try
        {
            for (int i = 0; i < 100; i++)
            {
                var subscriber = await broker.ConnectAsync(Packets.Connect($"c10-sub-{i}", ProtocolVersion.V500));
                subscribers.Add(subscriber);
                await subscriber.SendAsync(Packets.Subscribe(1, "c10/t", QualityOfService.AtMostOnce, ProtocolVersion.V500));
                await subscriber.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
            }

            var properties = new PropertyBuilder();
            for (int i = 0; i < 10_000; i++)
            {
                properties.AddUserProperty("k", "v");
            }

            var publish = Packets.Publish("c10/t", "flood", version: ProtocolVersion.V500, properties: properties);
            await using var publisher = await broker.ConnectAsync(Packets.Connect("c10-pub", ProtocolVersion.V500));
            await publisher.SendAsync(publish);

            foreach (var subscriber in subscribers)
            {
                var received = await subscriber.ReadPacketAsync(Timeouts.Default);
                Assert.Equal(0x30, received[0]);

                // Same topic, properties and payload as sent: the 10,000 user properties are all forwarded ([MQTT-3.3.2-17]).
                Assert.Equal(publish.Length, received.Length);
                Assert.Equal(publish, received);
            }

            await publisher.ExpectAliveAsync(Timeouts.Default);
        }
        finally
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_thousand_abandoned_persistent_sessions_expire_after_the_configured_interval_RELIABILITY_C14()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(
            o =>
            {
                o.MaxSessionExpiryInterval = 60;
                o.PersistentClientExpiration = TimeSpan.FromSeconds(60);
            },
            time);
        var sessions = broker.Broker.Engine.Sessions;

        // 1,000 3.1.1 CleanSession 0 and 1,000 5.0 Session Expiry 0xFFFFFFFF, random ids, never coming back.
        for (int i = 0; i < 2000; i++)
        {
            var connect = i % 2 == 0
                ? Packets.Connect(Guid.NewGuid().ToString("N"), ProtocolVersion.V311, clean: false)
                : Packets.Connect(Guid.NewGuid().ToString("N"), ProtocolVersion.V500, clean: false, sessionExpiry: uint.MaxValue);
            await using var client = await broker.ConnectAsync(connect);
        }

        await LimitSupport.WaitUntilAsync(
            () => sessions.Count == 2000 && sessions.GetAll().All(s => s.Connection is null && s.ExpiryTimer is not null),
            "2,000 offline sessions with their expiry armed",
            TimeSpan.FromSeconds(30));
        Assert.All(sessions.GetAll(), s => Assert.Equal(60u, s.ExpiryInterval));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(2000, sessions.Count);
        time.Advance(TimeSpan.FromSeconds(2));

        await LimitSupport.WaitUntilAsync(() => sessions.Count == 0, "every abandoned session expired");
        Assert.Equal(2000, sessions.ExpiredCount);
        Assert.Equal(0, broker.Broker.Engine.Tree.SubscriberCount);
    }

    [Fact]
    public async Task Without_PersistentClientExpiration_a_311_persistent_session_never_expires_MQTT_3_1_2_4()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MaxSessionExpiryInterval = 60, time);
        await using (await broker.ConnectAsync(Packets.Connect("c14-forever", ProtocolVersion.V311, clean: false)))
        {
        }

        await broker.WaitForOfflineAsync("c14-forever");
        time.Advance(TimeSpan.FromSeconds(120)); // twice MaxSessionExpiryInterval, which does not apply to 3.1.1

        var session = Assert.Single(broker.Broker.Engine.Sessions.GetAll());
        Assert.Equal("c14-forever", session.ClientId);
        Assert.Null(session.ExpiryTimer);
    }

    [Fact]
    public void A_PersistentClientExpiration_below_one_second_is_a_configuration_error()
    {
        var options = new BrokerOptions { PersistentClientExpiration = TimeSpan.Zero };

        Assert.Contains(options.Validate(), p => p.Contains("PersistentClientExpiration", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(25_000, 20_000)] // a queue that holds them all: every retained message arrives, paced by the window
    [InlineData(1000, 1005)] // the default queue: 5 in flight + 1,000 queued arrive, the rest is dropped, counted and logged
    public async Task Twenty_thousand_retained_messages_reach_a_new_subscriber_to_hash_paced_by_its_window_or_counted_as_dropped_RELIABILITY_C9(int maxQueued, int delivered)
    {
        const int topics = 20_000;
        await using var broker = await TestBroker.StartAsync(o => o.MaxQueuedMessages = maxQueued);
        await using (var publisher = await broker.ConnectAsync(Packets.Connect("c9-pub")))
        {
            var batch = new List<byte>();
            for (int i = 0; i < topics; i++)
            {
                // QoS 1, so that the delivery to the QoS 1 subscriber is QoS 1 and paced by its window.
                batch.AddRange(Packets.Publish($"c9/{i / 100}/{i}", "r", QualityOfService.AtLeastOnce, (ushort)(i + 1), retain: true));
            }

            await publisher.SendAsync(batch.ToArray());
            for (int i = 0; i < topics; i++)
            {
                Assert.Equal(0x40, (await publisher.ReadPacketAsync(Timeouts.Default))[0]);
            }
        }

        await LimitSupport.WaitUntilAsync(() => broker.Broker.Engine.Retained.Count == topics, "20,000 retained messages stored");
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("c9-sub", ProtocolVersion.V500, receiveMaximum: 5));
        await subscriber.SendAsync(Packets.Subscribe(1, "#", QualityOfService.AtLeastOnce, ProtocolVersion.V500));
        await subscriber.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);

        var seen = new HashSet<string>();
        var unacknowledged = new HashSet<ushort>();
        while (seen.Count < delivered)
        {
            var frame = await subscriber.ReadPacketAsync(Timeouts.Default);
            var publish = Received.AsPublish(frame, ProtocolVersion.V500);
            Assert.True(publish.Retain);
            Assert.True(unacknowledged.Add(publish.PacketId));
            Assert.True(unacknowledged.Count <= 5, "more in flight than the Receive Maximum [MQTT-3.3.4-9]");
            Assert.True(seen.Add(publish.Topic), $"{publish.Topic} delivered twice");

            // Acknowledge once the window is full: the broker must wait for these before sending more.
            if (unacknowledged.Count == 5 || seen.Count == delivered)
            {
                foreach (ushort id in unacknowledged)
                {
                    await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, id));
                }

                unacknowledged.Clear();
            }
        }

        await subscriber.ExpectAliveAsync(Timeouts.Default);
        Assert.Equal(topics - delivered, broker.Broker.Engine.Metrics.MessagesDropped);
        Assert.Equal(delivered == topics ? 0 : 1, broker.Count(2000)); // "Queue of client ... is full", once per episode
    }

    [Fact]
    public async Task A_PUBLISH_one_byte_over_MaxPacketSize_gets_DISCONNECT_0x95_and_other_clients_are_served_RELIABILITY_C16()
    {
        const int max = 2 * 1024 * 1024; // above the transport's default 1 MiB read buffer
        await using var broker = await TestBroker.StartAsync(o => o.MaxPacketSize = max);
        await using var other = await broker.ConnectAsync(Packets.Connect("c16-other", ProtocolVersion.V500));
        await using var publisher = await broker.ConnectAsync(Packets.Connect("c16-pub", ProtocolVersion.V500));

        // 1 + 3 (remaining length) + 2 + 3 ("big") + 1 (no properties) + payload = max + 1
        var publish = Packets.Publish("big", new string('x', max + 1 - 1 - 3 - 2 - 3 - 1), version: ProtocolVersion.V500);
        Assert.Equal(max + 1, publish.Length);

        // The broker refuses from the fixed header and closes: a client still pushing the other 2 MiB would meet a
        // reset (broken pipe). The first 64 KiB carry the header; the rest never needs to leave.
        await publisher.SendAsync(publish[..65536]);

        await Expect.DisconnectAsync(publisher, ReasonCode.PacketTooLarge);
        await publisher.ExpectClosedAsync(Timeouts.Default);
        await other.ExpectAliveAsync(Timeouts.Default);
    }

    private static byte[] Unsubscribe(ushort packetId, string[] filters)
    {
        var writer = new ArrayBufferWriter<byte>();
        UnsubscribePacket.Write(writer, packetId, filters, default, ProtocolVersion.V500);
        return writer.WrittenSpan.ToArray();
    }
}
