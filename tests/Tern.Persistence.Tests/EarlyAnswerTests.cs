using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Tern.Broker;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Sessions;
using Tern.Broker.Sqlite;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>
/// Delivered before stored (docs/persistence.md): a QoS 1 PUBLISH whose every copy for a persistent session was
/// acknowledged by its subscriber is answered without waiting for its commit — it can no longer be lost — and a copy
/// acknowledged before the writer took its queueing into a batch writes nothing at all. Everything else still waits for
/// the commit and its fsync: a copy not acknowledged, a retained message, and every answer behind a waiting one on the
/// same connection ([MQTT-4.6.0-2]: PUBACKs in the order of the PUBLISHes).
/// </summary>
public sealed class EarlyAnswerTests
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task A_PUBACK_goes_before_the_commit_is_synced_when_the_subscriber_acknowledged_the_only_copy()
    {
        using var data = new DataDirectory();
        var store = new RecordingStoreFactory();
        await using var broker = await StartAsync(data, store);
        try
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);

            store.HoldSyncs();
            int synced = store.CompletedSyncs;
            await publisher.SendAsync(Wire.Publish("t", "early", 1, 1));
            var message = await subscriber.ExpectAsync(3);
            Assert.Equal("early", message.Payload);
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, message.PacketId));

            var ack = await publisher.ExpectAsync(Wire.PubAck);
            Assert.Equal(1, ack.PacketId);
            Assert.Equal(synced, store.CompletedSyncs);
        }
        finally
        {
            store.ReleaseSyncs();
        }
    }

    [Fact]
    public async Task A_PUBACK_whose_copy_is_not_acknowledged_waits_for_the_sync_and_the_PUBACKs_behind_it_wait_too()
    {
        using var data = new DataDirectory();
        var store = new RecordingStoreFactory();
        await using var broker = await StartAsync(data, store);
        try
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            var (silent, _) = await Client.ConnectAsync(broker, "silent", clean: false);
            await silent.SubscribeAsync("u", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);

            store.HoldSyncs();
            await publisher.SendAsync(Wire.Publish("u", "unacknowledged", 1, 1));
            Assert.Equal("unacknowledged", (await silent.ExpectAsync(3)).Payload);
            await publisher.SendAsync(Wire.Publish("t", "acknowledged", 1, 2));
            var message = await subscriber.ExpectAsync(3);
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, message.PacketId));
            await subscriber.RoundTripAsync();

            // The second PUBLISH is delivered and acknowledged, but its PUBACK may not pass the first one's
            // ([MQTT-4.6.0-2]), which waits for the sync.
            await publisher.Connection.ExpectSilenceAsync(Window);

            store.ReleaseSyncs();
            Assert.Equal(1, (await publisher.ExpectAsync(Wire.PubAck)).PacketId);
            Assert.Equal(2, (await publisher.ExpectAsync(Wire.PubAck)).PacketId);
        }
        finally
        {
            store.ReleaseSyncs();
        }
    }

    [Fact]
    public async Task A_retained_message_is_answered_only_after_its_sync_even_when_every_subscriber_acknowledged_it()
    {
        using var data = new DataDirectory();
        var store = new RecordingStoreFactory();
        await using var broker = await StartAsync(data, store);
        try
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);

            store.HoldSyncs();
            await publisher.SendAsync(Wire.Publish("t", "kept", 1, 1, retain: true));
            var message = await subscriber.ExpectAsync(3);
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, message.PacketId));
            await subscriber.RoundTripAsync();

            // The retained store must hold it before the PUBACK, whatever the subscribers did.
            await publisher.Connection.ExpectSilenceAsync(Window);
            store.ReleaseSyncs();
            Assert.Equal(1, (await publisher.ExpectAsync(Wire.PubAck)).PacketId);
        }
        finally
        {
            store.ReleaseSyncs();
        }
    }

    [Fact]
    public async Task A_copy_acknowledged_before_its_queueing_was_written_is_never_written_nor_redelivered_and_an_unacknowledged_one_is()
    {
        using var data = new DataDirectory();
        var store = new RecordingStoreFactory();

        // Periodic durability with a long interval: nothing is taken into a batch before the broker stops, so the
        // acknowledgement finds the queueing still pending.
        await using (var broker = await StartAsync(data, store, DurabilityMode.Periodic))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            var (silent, _) = await Client.ConnectAsync(broker, "silent", clean: false);
            await silent.SubscribeAsync("u", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);

            await publisher.PublishAsync("t", "acknowledged", 1, 1);
            await publisher.PublishAsync("u", "unacknowledged", 1, 2);
            Assert.Equal("acknowledged", (await subscriber.ReceiveAsync(1)).Single().Payload);
            Assert.Equal("unacknowledged", (await silent.ExpectAsync(3)).Payload);
            await subscriber.RoundTripAsync();
            Assert.Equal(0, store.AppliedBatches);
        }

        // The clean stop committed what was pending: the unacknowledged copy, not the acknowledged one, nor its removal.
        Assert.Equal(["unacknowledged"], store.QueuedPayloads);
        Assert.DoesNotContain(store.Applied, o => o is MessageRemoved);

        await using (var broker = await StartAsync(data, store))
        {
            var (subscriber, connAck) = await Client.ConnectAsync(broker, "sub", clean: false);
            Assert.True(connAck.SessionPresent);
            await subscriber.RoundTripAsync();
            var (silent, _) = await Client.ConnectAsync(broker, "silent", clean: false);

            // [MQTT-4.4.0-1]: the unacknowledged message is resent with DUP.
            var again = await silent.ExpectAsync(3);
            Assert.Equal("unacknowledged", again.Payload);
            Assert.True(again.Duplicate);
        }
    }

    [Fact]
    public void Only_acknowledgements_count_for_the_early_answer_and_a_copy_gone_before_its_batch_is_never_applied()
    {
        var store = new NullStore();
        var target = new Answers();
        using (var writer = new DurableWriter(store, new PersistenceOptions(), new DurableClock(TimeProvider.System), NullLogger.Instance, lastStoreId: 0))
        {
            // One packet's group: nothing reaches the writer's thread before EndGroup, so every record is still pending.
            DurableWriter.BeginGroup();
            try
            {
                DurableWriter.BeginTicket();
                var dropped = Copy(writer, "a");
                var acknowledged = Copy(writer, "b");
                var ticket = DurableWriter.EndTicket();
                Assert.NotNull(ticket);
                ticket.Arm(target, 1);

                // A copy dropped (or expired, or handed to another member) was not delivered: it never counts.
                writer.Write(new MessageRemoved(dropped.Delivery.StoreId));
                writer.Write(new MessageAcknowledged(acknowledged.Delivery.StoreId));
                Assert.Empty(target.Tokens);

                DurableWriter.BeginTicket();
                var single = Copy(writer, "c");
                DurableWriter.EndTicket()!.Arm(target, 2);
                writer.Write(new MessageAcknowledged(single.Delivery.StoreId));
                Assert.Equal([2L], target.Tokens);

                // Each record's reference went back at its cancellation, not after a commit.
                Assert.All(new[] { dropped, acknowledged, single }, q => Assert.Equal(MessageQueued.Cancelled, q.State));
            }
            finally
            {
                DurableWriter.EndGroup();
            }
        }

        // Cancelled before the writer took them: neither the queueings nor the removals were ever applied.
        Assert.DoesNotContain(store.Applied, o => o is MessageQueued or MessageRemoved);
    }

    // A QoS 1 copy as MqttSession.Store records it: the record holds a reference of its own.
    private static MessageQueued Copy(DurableWriter writer, string payload)
    {
        var message = BrokerMessage.Create("t"u8, [], System.Text.Encoding.UTF8.GetBytes(payload), QualityOfService.AtLeastOnce, false, null, TimeProvider.System);
        message.AddRef();
        var queued = new MessageQueued("s", new Delivery(message, QualityOfService.AtLeastOnce, false, StoreId: writer.NextStoreId()), 0);
        writer.Write(queued);
        return queued;
    }

    private sealed class Answers : IDeliveredAnswer
    {
        public List<long> Tokens { get; } = [];

        public void Delivered(long token) => Tokens.Add(token);
    }

    private sealed class NullStore : IDurableStore
    {
        private readonly Lock _gate = new();
        private readonly List<DurableOperation> _applied = [];

        public List<DurableOperation> Applied
        {
            get
            {
                lock (_gate)
                {
                    return [.. _applied];
                }
            }
        }

        public DurableState Load(int cachedMessagesPerSession) => DurableState.Empty;

        public IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit) => [];

        public void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs)
        {
            lock (_gate)
            {
                _applied.AddRange(operations);
            }
        }

        public void Sync()
        {
        }

        public void Dispose()
        {
        }
    }

    private static Task<TernBroker> StartAsync(DataDirectory data, RecordingStoreFactory store, DurabilityMode durability = DurabilityMode.Ack) =>
        TernBroker.StartAsync(
            o =>
            {
                o.Persistence.Mode = PersistenceMode.Sqlite;
                o.Persistence.DataDirectory = data.Path;
                o.Persistence.Durability = durability;
                o.Persistence.FlushInterval = TimeSpan.FromMinutes(1);
            },
            services: s => s.AddSingleton<IDurableStoreFactory>(store));

    /// <summary>The SQLite store, recording every operation it applies; its syncs can be held (ack durability's fsync does not complete meanwhile).</summary>
    private sealed class RecordingStoreFactory : IDurableStoreFactory
    {
        private readonly Lock _gate = new();
        private readonly List<DurableOperation> _applied = [];
        private readonly List<string> _queuedPayloads = [];
        private readonly ManualResetEventSlim _syncsOpen = new(true);
        private int _batches;
        private int _completedSyncs;

        public int AppliedBatches => Volatile.Read(ref _batches);

        public int CompletedSyncs => Volatile.Read(ref _completedSyncs);

        public List<DurableOperation> Applied
        {
            get
            {
                lock (_gate)
                {
                    return [.. _applied];
                }
            }
        }

        public List<string> QueuedPayloads
        {
            get
            {
                lock (_gate)
                {
                    return [.. _queuedPayloads];
                }
            }
        }

        public void HoldSyncs() => _syncsOpen.Reset();

        public void ReleaseSyncs() => _syncsOpen.Set();

        public IDurableStore Open(PersistenceOptions options, TimeProvider time) => new Store(this, SqliteDurableStore.Open(options, time));

        private sealed class Store(RecordingStoreFactory owner, IDurableStore inner) : IDurableStore
        {
            public DurableState Load(int cachedMessagesPerSession) => inner.Load(cachedMessagesPerSession);

            public IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit) => inner.ReadQueued(clientId, fromStoreId, limit);

            public void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs)
            {
                // Read before the commit: the writer gives the messages' references back after it.
                var queued = operations.Where(o => o is MessageQueued or MessageRemoved).ToList();
                var payloads = operations.OfType<MessageQueued>().Select(q => System.Text.Encoding.UTF8.GetString(q.Delivery.Message.Payload)).ToList();
                inner.Apply(operations, nowUnixMs);
                if (operations.Count > 0)
                {
                    Interlocked.Increment(ref owner._batches);
                }

                lock (owner._gate)
                {
                    owner._applied.AddRange(queued);
                    owner._queuedPayloads.AddRange(payloads);
                }
            }

            public void Sync()
            {
                if (!owner._syncsOpen.Wait(TimeSpan.FromSeconds(30)))
                {
                    throw new TimeoutException("the test never released the syncs");
                }

                inner.Sync();
                Interlocked.Increment(ref owner._completedSyncs);
            }

            public void Dispose() => inner.Dispose();
        }
    }
}
