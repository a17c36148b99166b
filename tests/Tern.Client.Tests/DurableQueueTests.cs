using Tern.Client.Persistence;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>The publish queue in a file: what one client could not deliver, the next one with the same file sends.</summary>
public sealed class DurableQueueTests(ITestOutputHelper output) : ClientTest(output), IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tern-client-queue-");

    private string QueueFile => Path.Combine(_directory.FullName, "queue.log");

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_queued_in_a_file_are_sent_by_the_next_client_after_a_restart(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("durable");
        int unreachable = Tern.TestKit.FreePort.OnLoopback();

        // The first "process" never reaches a broker, then stops with its messages undelivered.
        var first = new MqttClient(Options(unreachable, version) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } });
        var abandoned = new[]
        {
            first.PublishAsync(new MqttMessage(topic, "one") { QoS = QualityOfService.AtLeastOnce, ContentType = "text/plain" }),
            first.PublishAsync(topic, "two", QualityOfService.AtMostOnce),
            first.PublishAsync(topic, "three", QualityOfService.ExactlyOnce),
        };
        await first.DisposeAsync();
        foreach (var publish in abandoned)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => publish);
        }

        // The next one, with the same file, delivers them in order.
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using (var second = new MqttClient(Options(server, version) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } }))
        {
            Assert.Equal(3, second.QueuedMessageCount);
            await second.ConnectAsync().WaitAsync(Timeouts.Event);
            var one = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
            Assert.Equal("one", one.PayloadAsString());
            Assert.Equal(QualityOfService.AtLeastOnce, one.QoS);
            if (version == ProtocolVersion.V500)
            {
                Assert.Equal("text/plain", one.ContentType);
            }

            Assert.Equal("two", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
            Assert.Equal("three", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
            await second.WhenDeliveredAsync().WaitAsync(Timeouts.Event);
            await second.DisconnectAsync().WaitAsync(Timeouts.Event);
        }

        // Delivered means forgotten: a third client finds nothing to send.
        using var store = FileMessageStore.Open(QueueFile, out var left);
        Assert.Empty(left);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_QoS_2_message_sent_before_a_crash_is_resent_with_DUP_and_its_packet_identifier_and_arrives_once_MQTT_4_4_0_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("crash-publish"), clientId = Unique.ClientId("crash");
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using var proxy = TcpProxy.To(server.Port);

        // The first process sends the PUBLISH; no PUBREC reaches it before it dies.
        byte[] sent = await CrashWhileAsync(Durable(proxy.Port, version, clientId), topic, () => proxy.HoldBrokerBytes = true, () => proxy.ExpectClientPacketAsync(p => Packets.IsPublish(p, 2), "QoS 2 PUBLISH", Timeouts.Event), proxy);
        proxy.HoldBrokerBytes = false;

        // The next one resumes the session and sends the same PUBLISH again, with DUP and the same packet identifier.
        await using (var second = new MqttClient(Durable(proxy.Port, version, clientId)))
        {
            Assert.Equal(1, second.InflightMessageCount);
            Assert.True((await second.ConnectAsync().WaitAsync(Timeouts.Event)).SessionPresent);
            byte[] again = await proxy.ExpectClientPacketAsync(p => Packets.IsPublish(p, 2), "resent QoS 2 PUBLISH", Timeouts.Event);
            Assert.True(Packets.HasDup(again));
            Assert.Equal(Packets.PacketIdOf(sent), Packets.PacketIdOf(again));
            await second.WhenDeliveredAsync().WaitAsync(Timeouts.Event);
            Assert.Equal(0, second.InflightMessageCount);
            await AssertDeliveredOnceAsync(second, subscription, topic);
            await second.DisconnectAsync().WaitAsync(Timeouts.Event);
        }

        using var store = FileMessageStore.Open(QueueFile, out var left);
        Assert.Empty(left);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_QoS_2_message_whose_PUBREC_came_before_a_crash_is_finished_with_PUBREL_alone_and_arrives_once_MQTT_4_3_3_2(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("crash-release"), clientId = Unique.ClientId("crash");
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using var proxy = TcpProxy.To(server.Port);

        // The first process gets PUBREC and sends PUBREL; the PUBCOMP never reaches it before it dies.
        proxy.DropBrokerPacket = p => Packets.TypeOf(p) == Packets.PubComp;
        byte[] release = await CrashWhileAsync(Durable(proxy.Port, version, clientId), topic, () => { }, () => proxy.ExpectClientPacketAsync(p => Packets.TypeOf(p) == Packets.PubRel, "PUBREL", Timeouts.Event), proxy);
        proxy.DropBrokerPacket = null;

        // The next one resumes the session and sends only the PUBREL ([MQTT-4.4.0-1]): never the PUBLISH again.
        await using (var second = new MqttClient(Durable(proxy.Port, version, clientId)))
        {
            Assert.True((await second.ConnectAsync().WaitAsync(Timeouts.Event)).SessionPresent);
            byte[] again = await proxy.ExpectClientPacketAsync(p => Packets.TypeOf(p) == Packets.PubRel, "resent PUBREL", Timeouts.Event);
            Assert.Equal(Packets.PacketIdOf(release), Packets.PacketIdOf(again));
            await second.WhenDeliveredAsync().WaitAsync(Timeouts.Event);
            await AssertDeliveredOnceAsync(second, subscription, topic);
            await second.DisconnectAsync().WaitAsync(Timeouts.Event);
        }

        // One PUBLISH of the message in all (the first process's) and the marker's.
        Assert.Equal(2, proxy.ClientPacketLog.Count(p => Packets.TypeOf(p) == Packets.Publish));
        using var store = FileMessageStore.Open(QueueFile, out var left);
        Assert.Empty(left);
    }

    [Fact]
    public void The_packet_identifier_and_PUBREC_of_a_stored_message_survive_reopening_and_compaction()
    {
        using (var store = FileMessageStore.Open(QueueFile, out _, compactionSlack: 0))
        {
            long sent = store.Add("sent", QualityOfService.ExactlyOnce, false, [], "1"u8);
            long released = store.Add("released", QualityOfService.ExactlyOnce, false, [], "2"u8);
            long forgotten = store.Add("forgotten", QualityOfService.ExactlyOnce, false, [], "3"u8);
            store.MarkSent(sent, 7);
            store.MarkSent(released, 8);
            store.MarkReleased(released);
            store.MarkSent(forgotten, 9);
            store.MarkSent(forgotten, 0);

            // Removing more records than there are live ones compacts the log: the state is rewritten with the messages.
            long before = new FileInfo(QueueFile).Length;
            for (int i = 0; i < 4; i++)
            {
                store.Remove(store.Add("gone", QualityOfService.AtMostOnce, false, [], "x"u8));
            }

            Assert.True(new FileInfo(QueueFile).Length < before, "the log was compacted");
        }

        using var reopened = FileMessageStore.Open(QueueFile, out var messages);
        Assert.Equal(["sent", "released", "forgotten"], messages.Select(m => m.Topic));
        Assert.Equal((ushort)7, messages[0].PacketIdentifier);
        Assert.False(messages[0].Released);
        Assert.Equal((ushort)8, messages[1].PacketIdentifier);
        Assert.True(messages[1].Released);
        Assert.Equal((ushort)0, messages[2].PacketIdentifier);
    }

    [Fact]
    public void A_record_torn_by_a_crash_is_dropped_and_everything_before_it_kept()
    {
        using (var store = FileMessageStore.Open(QueueFile, out _))
        {
            store.Add("a", QualityOfService.AtLeastOnce, false, [], "1"u8);
            store.Add("b", QualityOfService.AtLeastOnce, true, [], "2"u8);
        }

        // A crash in the middle of the third append: half a record at the end.
        using (var file = new FileStream(QueueFile, FileMode.Append))
        {
            file.Write([40, 0, 0, 0, 1, 2, 3, 4, 1, 9]);
        }

        using var reopened = FileMessageStore.Open(QueueFile, out var messages);
        Assert.Equal(["a", "b"], messages.Select(m => m.Topic));
        Assert.True(messages[1].Retain);
        Assert.Equal("2"u8.ToArray(), messages[1].Payload);
    }

    [Fact]
    public void Removed_records_are_compacted_away_so_the_file_stays_small()
    {
        using (var store = FileMessageStore.Open(QueueFile, out _, compactionSlack: 16))
        {
            for (int i = 0; i < 200; i++)
            {
                long id = store.Add("t", QualityOfService.AtLeastOnce, false, [], new byte[100]);
                store.Remove(id);
            }

            store.Add("last", QualityOfService.AtLeastOnce, false, [], "x"u8);
            Assert.Equal(1, store.Count);
        }

        // 200 records of over 100 bytes were written; at most 16 removed ones plus the live one remain.
        Assert.InRange(new FileInfo(QueueFile).Length, 1, 34 * 130);
        using var reopened = FileMessageStore.Open(QueueFile, out var messages);
        Assert.Equal("last", Assert.Single(messages).Topic);
    }

    [Fact]
    public void A_queue_file_belongs_to_one_client_at_a_time()
    {
        using var store = FileMessageStore.Open(QueueFile, out _);
        Assert.Throws<IOException>(() => new MqttClient(Options(1883) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } }));
    }

    public void Dispose() => _directory.Delete(recursive: true);

    // A client with a persistent session and the queue file, that does not reconnect (it "dies" when cut).
    private MqttClientOptions Durable(int port, ProtocolVersion version, string clientId) => Options(port, version, clientId) with
    {
        CleanStart = false,
        SessionExpiryInterval = 300,
        OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile },
        Reconnect = new MqttReconnectOptions { Enabled = false },
    };

    // Connects, calls <paramref name="beforePublish"/>, publishes "once" at QoS 2, waits until the proxy saw the packet awaited by <paramref name="sawPacket"/>, then
    // cuts the connection and drops the client without DISCONNECT: what a crash leaves behind is the queue file.
    private static async Task<byte[]> CrashWhileAsync(MqttClientOptions options, string topic, Action beforePublish, Func<Task<byte[]>> sawPacket, TcpProxy proxy)
    {
        var first = new MqttClient(options);
        var log = new ConnectionLog(first);
        await first.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
        beforePublish();
        var publish = first.PublishAsync(topic, "once", QualityOfService.ExactlyOnce);
        byte[] packet = await sawPacket();
        proxy.CutAll();
        Assert.False((await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event)).WillReconnect);
        await first.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => publish);
        return packet;
    }

    // The message "once" reached the subscriber exactly once: a marker published after it comes after one copy.
    private static async Task AssertDeliveredOnceAsync(MqttClient publisher, MqttSubscription subscription, string topic)
    {
        await publisher.PublishAsync(topic, "marker", QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        var payloads = new List<string>();
        while (!payloads.Contains("marker"))
        {
            payloads.Add((await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        }

        Assert.Equal(["once", "marker"], payloads);
    }
}
