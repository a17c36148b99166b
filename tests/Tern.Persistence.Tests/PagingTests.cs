using System.Globalization;
using Tern.Broker;
using Tern.Broker.Sessions;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>
/// The bounded cache of queued messages (Persistence:MaxCachedMessagesPerSession): an offline session's queue beyond
/// the cache lives in the store only, survives restarts and kills, and is read back in order when the client returns.
/// Memory is measured by the messages the session holds, not by timing.
/// </summary>
public sealed class PagingTests
{
    private const int Cache = 1000;

    [Fact]
    public async Task Fifty_thousand_queued_QoS_1_messages_stay_in_the_store_beyond_the_cache_and_arrive_in_order_once_after_a_restart()
    {
        const int Count = 50_000;
        using var data = new DataDirectory();
        await using (var broker = await StartAsync(data))
        {
            await SubscribeOfflineAsync(broker, "sub", "big", 1);
            await PublishManyAsync(broker, "big", 1, Count);
            var session = Session(broker, "sub");
            Assert.Equal(Count, session.QueuedCount);
            Assert.InRange(session.CachedQueuedCount, 1, Cache);
        }

        await using (var broker = await StartAsync(data))
        {
            // At start only the first page is loaded; MaxQueuedMessages still counts everything.
            var session = Session(broker, "sub");
            Assert.Equal(Count, session.QueuedCount);
            Assert.InRange(session.CachedQueuedCount, 1, Cache);

            var (subscriber, connAck) = await Client.ConnectAsync(broker, "sub", clean: false);
            Assert.True(connAck.SessionPresent);
            var payloads = new List<string>(Count);
            while (payloads.Count < Count)
            {
                payloads.AddRange((await subscriber.ReceiveAsync(Math.Min(5_000, Count - payloads.Count))).Select(p => p.Payload!));
                Assert.InRange(session.CachedQueuedCount, 0, Cache);
            }

            Assert.Equal(Enumerable.Range(0, Count).Select(Text), payloads);
            await subscriber.RoundTripAsync();
            Assert.Equal(0, session.QueuedCount);
            await subscriber.DisconnectAsync();
        }

        Assert.Equal(0, StoreFile.Count(data, "queue"));
    }

    [Fact]
    public async Task Queued_QoS_2_messages_paged_through_a_small_cache_arrive_exactly_once_in_order_and_new_ones_queue_behind_them()
    {
        const int Count = 3_000;
        using var data = new DataDirectory();
        await using (var broker = await StartAsync(data, cache: 100))
        {
            await SubscribeOfflineAsync(broker, "sub", "q2", 2);
            await PublishManyAsync(broker, "q2", 2, Count);
            Assert.InRange(Session(broker, "sub").CachedQueuedCount, 1, 100);
        }

        await using (var broker = await StartAsync(data, cache: 100))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var first = await subscriber.ReceiveAsync(500);

            // Published while most of the queue is still in the store: delivered after it.
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("q2", "late", 2);
            var rest = await subscriber.ReceiveAsync(Count + 1 - 500);
            Assert.Equal(Enumerable.Range(0, Count).Select(Text).Append("late"), first.Concat(rest).Select(p => p.Payload));
            Assert.All(first.Concat(rest), p => Assert.Equal(2, p.QoS));
            Assert.InRange(Session(broker, "sub").CachedQueuedCount, 0, 100);
        }
    }

    [Fact]
    public async Task Dropping_the_oldest_when_the_queue_is_full_reaches_messages_kept_only_in_the_store()
    {
        using var data = new DataDirectory();
        await using (var broker = await StartAsync(data, cache: 10, configure: o =>
        {
            o.MaxQueuedMessages = 30;
            o.QueueOverflowPolicy = QueueOverflowPolicy.DropOldest;
        }))
        {
            await SubscribeOfflineAsync(broker, "sub", "d", 1);
            await PublishManyAsync(broker, "d", 1, 50);
            var session = Session(broker, "sub");
            Assert.Equal(30, session.QueuedCount);
            Assert.InRange(session.CachedQueuedCount, 0, 10);

            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var messages = await subscriber.ReceiveAsync(30);
            Assert.Equal(Enumerable.Range(20, 30).Select(Text), messages.Select(m => m.Payload));
            await subscriber.RoundTripAsync();
        }

        Assert.Equal(0, StoreFile.Count(data, "queue"));
    }

    [Fact]
    public async Task A_queue_kept_in_the_store_survives_SIGKILL_and_is_delivered_in_order()
    {
        const int Count = 5_000;
        using var data = new DataDirectory();
        var environment = new Dictionary<string, string>
        {
            ["TERN_MAXQUEUEDMESSAGES"] = "100000",
            ["TERN_PERSISTENCE__MAXCACHEDMESSAGESPERSESSION"] = "100",
        };
        var (first, port) = await StartProcessAsync(data, environment);
        await using (first)
        {
            await using var subscriber = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "sub");
            await subscriber.SendAsync(Wire.Connect("sub", clean: false));
            Assert.Equal(2, Wire.Parse(await subscriber.ReadPacketAsync(Client.Timeout)).Type);
            await subscriber.SendAsync(Wire.Subscribe(1, "k", 1));
            Assert.Equal(9, Wire.Parse(await subscriber.ReadPacketAsync(Client.Timeout)).Type);
            await subscriber.SendAsync(Wire.Disconnect());
            await subscriber.ExpectClosedAsync(Client.Timeout);

            await using var publisher = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "pub");
            await publisher.SendAsync(Wire.Connect("pub", clean: true));
            Assert.Equal(2, Wire.Parse(await publisher.ReadPacketAsync(Client.Timeout)).Type);
            await PublishWindowedAsync(publisher, "k", 1, Count);

            // Every PUBACK came: everything is acknowledged, so everything must survive the kill.
            first.Kill();
        }

        var (second, port2) = await StartProcessAsync(data, environment);
        await using (second)
        {
            await using var connection = await RawMqttConnection.ConnectAsync("127.0.0.1", port2, "sub");
            await connection.SendAsync(Wire.Connect("sub", clean: false));
            var received = new List<string>();
            Assert.Equal(2, Wire.Parse(await connection.ReadPacketAsync(Client.Timeout)).Type);
            while (received.Count < Count)
            {
                var packet = Wire.Parse(await connection.ReadPacketAsync(Client.Timeout));
                Assert.Equal(3, packet.Type);
                received.Add(packet.Payload!);
                await connection.SendAsync(Wire.Ack(Wire.PubAck, packet.PacketId));
            }

            Assert.Equal(Enumerable.Range(0, Count).Select(Text), received);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public async Task A_cache_of_fewer_than_two_messages_is_refused_at_start_with_a_message_naming_the_setting(int cache)
    {
        using var data = new DataDirectory();
        var error = await Assert.ThrowsAsync<ArgumentException>(() => StartAsync(data, cache));
        Assert.Contains("Persistence.MaxCachedMessagesPerSession must be at least 2.", error.Message, StringComparison.Ordinal);
    }

    private static string Text(int i) => i.ToString("D6", CultureInfo.InvariantCulture);

    private static Task<TernBroker> StartAsync(DataDirectory data, int cache = Cache, Action<Tern.Broker.BrokerOptions>? configure = null) =>
        DurableBroker.StartAsync(data, configure: o =>
        {
            o.MaxQueuedMessages = 100_000;
            o.Persistence.MaxCachedMessagesPerSession = cache;
            configure?.Invoke(o);
        });

    private static async Task<(Tern.TestKit.Processes.ChildProcess Process, int Port)> StartProcessAsync(DataDirectory data, Dictionary<string, string> environment)
    {
        var process = Tern.TestKit.Processes.ChildProcess.Start("dotnet", [BrokerProcess.TernDll, "broker", "--port", "0", "--log-level", "Warning", "--data-dir", data.Path], environment: environment);
        string line = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the listening line", BrokerProcess.Timeout);
        return (process, int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    private static MqttSession Session(TernBroker broker, string clientId) =>
        broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == clientId);

    private static async Task SubscribeOfflineAsync(TernBroker broker, string clientId, string filter, int qos)
    {
        var (subscriber, _) = await Client.ConnectAsync(broker, clientId, clean: false);
        await subscriber.SubscribeAsync(filter, qos);
        await subscriber.DisconnectAsync();
    }

    private static async Task PublishManyAsync(TernBroker broker, string topic, int qos, int count)
    {
        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
        await PublishWindowedAsync(publisher.Connection, topic, qos, count);
        await publisher.DisconnectAsync();
    }

    // Publishes in windows of 500 (one write each), completing every QoS 1/2 flow before the next window.
    private static async Task PublishWindowedAsync(RawMqttConnection publisher, string topic, int qos, int count)
    {
        const int Window = 500;
        for (int start = 0; start < count; start += Window)
        {
            int end = Math.Min(count, start + Window);
            var frames = new List<byte>();
            for (int i = start; i < end; i++)
            {
                frames.AddRange(Wire.Publish(topic, Text(i), qos, (ushort)(i - start + 1)));
            }

            await publisher.SendAsync(frames.ToArray());
            if (qos == 2)
            {
                var releases = new List<byte>();
                for (int i = start; i < end; i++)
                {
                    var pubRec = Wire.Parse(await publisher.ReadPacketAsync(Client.Timeout));
                    Assert.Equal((Wire.PubRec, 0), (pubRec.Type, (int)pubRec.Reason));
                    releases.AddRange(Wire.Ack(Wire.PubRel, pubRec.PacketId));
                }

                await publisher.SendAsync(releases.ToArray());
            }

            for (int i = start; i < end; i++)
            {
                var ack = Wire.Parse(await publisher.ReadPacketAsync(Client.Timeout));
                Assert.Equal((qos == 2 ? Wire.PubComp : Wire.PubAck, 0), (ack.Type, (int)ack.Reason));
            }
        }
    }
}
