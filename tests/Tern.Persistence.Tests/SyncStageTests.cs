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
/// Pipelined ack durability: a commit writes without waiting for the disk, and the sync stage fsyncs the WAL while the
/// writer commits the next batch. An acknowledgement (an <see cref="DurableWriter.AfterCommit"/> callback) completes
/// only after a sync that started after its batch's commit returned; a failing sync fails it as a failing commit does.
/// </summary>
public sealed class SyncStageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_callback_runs_only_after_a_sync_that_started_after_its_commit_returned()
    {
        var store = new ControlledSyncStore();
        using var writer = Writer(store);
        var first = new Signal<bool>("the first batch's callback");
        var second = new Signal<bool>("the second batch's callback");

        Record(writer, new ReleaseAwaited("a", 1), ok => first.Set(ok));
        await store.WaitForApplyAsync(1, Timeout);

        // The first sync starts after the first commit returned, and is held.
        await store.WaitForSyncCoveringAsync(1, Timeout);
        Assert.False(first.IsSet, "a callback ran before its sync completed");

        // The writer commits the next batch while the first sync runs.
        Record(writer, new ReleaseAwaited("b", 2), ok => second.Set(ok));
        await store.WaitForApplyAsync(2, Timeout);
        Assert.False(first.IsSet, "a callback ran before its sync completed");

        store.CompleteOneSync();
        Assert.True(await first.WaitAsync(Timeout));

        // The second batch was committed after the first sync started: that sync does not cover it, the next one does.
        await store.WaitForSyncCoveringAsync(2, Timeout);
        Assert.False(second.IsSet, "a callback ran after a sync that started before its commit returned");

        store.CompleteOneSync();
        Assert.True(await second.WaitAsync(Timeout));
    }

    [Fact]
    public async Task The_writer_does_not_commit_again_while_a_committed_batch_waits_for_its_sync()
    {
        var store = new ControlledSyncStore();
        using var writer = Writer(store);
        writer.Write(new ReleaseAwaited("a", 1));
        await store.WaitForSyncCoveringAsync(1, Timeout);
        writer.Write(new ReleaseAwaited("b", 2));
        await store.WaitForApplyAsync(2, Timeout);

        // Batch 2 waits for the sync that follows the running one: what comes now is gathered, not committed (the
        // observation window bounds a negative: nothing may happen in it).
        var gathered = new Signal<bool>("the third write's callback");
        Record(writer, new ReleaseAwaited("c", 3), ok => gathered.Set(ok));
        await Task.Delay(TimeSpan.FromMilliseconds(300));
        Assert.Equal(2, store.Applied);

        store.CompleteOneSync();
        await store.WaitForApplyAsync(3, Timeout);
        store.CompleteSyncs();
        Assert.True(await gathered.WaitAsync(Timeout));
        Assert.Contains(store.Batches[2], o => o is ReleaseAwaited { ClientId: "c" });
    }

    [Fact]
    public async Task A_failing_sync_fails_the_callbacks_of_its_batch_faults_the_writer_and_a_later_sync_recovers_it()
    {
        var store = new ControlledSyncStore { Holding = false, Failing = true };
        using var writer = Writer(store);
        var failed = new Signal<bool>("the callback of a batch whose sync failed");
        Record(writer, new ReleaseAwaited("a", 1), ok => failed.Set(ok));

        Assert.False(await failed.WaitAsync(Timeout));
        Assert.True(writer.IsFaulted);

        // The stage tries again every retry interval, without new work; the first sync that succeeds ends the fault.
        store.Failing = false;
        await store.UntilAsync(() => !writer.IsFaulted, Timeout, "the writer's recovery");

        var stored = new Signal<bool>("the callback of a batch synced after the recovery");
        Record(writer, new ReleaseAwaited("b", 2), ok => stored.Set(ok));
        Assert.True(await stored.WaitAsync(Timeout));
    }

    [Fact]
    public async Task Callbacks_keep_their_order_when_a_failed_commit_follows_a_batch_that_waits_for_its_sync()
    {
        var store = new ControlledSyncStore();
        using var writer = Writer(store);
        var order = new List<(string Name, bool Outcome)>();
        var done = new Signal("both callbacks ran");
        Record(writer, new ReleaseAwaited("a", 1), ok => order.Add(("first", ok)));
        await store.WaitForSyncCoveringAsync(1, Timeout);

        // The next commit fails while the first batch's sync is held: its callback must still come second.
        store.FailingApply = true;
        Record(writer, new ReleaseAwaited("b", 2), ok =>
        {
            order.Add(("second", ok));
            done.Set();
        });
        await store.UntilAsync(() => store.FailedApplies > 0, Timeout, "a failed commit");
        store.FailingApply = false;
        store.CompleteSyncs();

        await done.WaitAsync(Timeout);
        Assert.Equal([("first", true), ("second", false)], order);
    }

    [Fact]
    public void The_SQLite_store_commits_without_fsync_and_its_sync_handle_is_the_live_WAL_across_checkpoints()
    {
        using var data = new DataDirectory();
        using var store = SqliteDurableStore.Open(new PersistenceOptions { Mode = PersistenceMode.Sqlite, DataDirectory = data.Path }, TimeProvider.System);
        long id = 0;
        var payload = new byte[8 * 1024];
        for (int batch = 0; batch < 30; batch++)
        {
            // About 1,000 pages per 4 batches: SQLite checkpoints and restarts the WAL several times meanwhile.
            var operations = new List<DurableOperation> { new SessionConnected("s", MqttSession.NeverExpires, null, 0) };
            for (int i = 0; i < 30; i++)
            {
                id++;
                var message = BrokerMessage.Create("t"u8, [], payload, QualityOfService.AtLeastOnce, false, null, TimeProvider.System);
                operations.Add(new MessageQueued("s", new Delivery(message, QualityOfService.AtLeastOnce, false, StoreId: id), 0));
                if (id > 30)
                {
                    operations.Add(new MessageRemoved(id - 30));
                }
            }

            store.Apply(operations, 0);
            store.Sync();
        }

        Assert.Equal(1L, store.Synchronous);
        if (OperatingSystem.IsLinux())
        {
            // The handle fsynced is SQLite's WAL itself, never a file it deleted or replaced.
            string target = new FileInfo($"/proc/self/fd/{store.WalHandle!.DangerousGetHandle()}").LinkTarget!;
            Assert.Equal(data.DatabaseFile + "-wal", target);
        }
    }

    private static DurableWriter Writer(IDurableStore store) =>
        new(store, new PersistenceOptions(), new DurableClock(TimeProvider.System), NullLogger.Instance, lastStoreId: 0);

    // One packet's write and its acknowledgement, as a read loop records them: one group, so one batch.
    private static void Record(DurableWriter writer, DurableOperation operation, Action<bool> callback)
    {
        DurableWriter.BeginGroup();
        try
        {
            writer.Write(operation);
            writer.AfterCommit(callback);
        }
        finally
        {
            DurableWriter.EndGroup();
        }
    }

    /// <summary>
    /// Records the batches. A <see cref="Sync"/> that covers batches no sync covered yet is held until the test
    /// completes it (while <see cref="Holding"/>); one with nothing new (the writer's idle commit) returns at once.
    /// Syncs throw while <see cref="Failing"/>, commits while <see cref="FailingApply"/>.
    /// </summary>
    private sealed class ControlledSyncStore : IDurableStore
    {
        private readonly object _gate = new();
        private readonly List<List<DurableOperation>> _batches = [];
        private readonly SemaphoreSlim _release = new(0);
        private int _covered;
        private int _failedApplies;

        public bool Holding { get; init; } = true;

        public volatile bool Failing;

        public volatile bool FailingApply;

        public int FailedApplies => Volatile.Read(ref _failedApplies);

        public int Applied
        {
            get
            {
                lock (_gate)
                {
                    return _batches.Count;
                }
            }
        }

        public List<List<DurableOperation>> Batches
        {
            get
            {
                lock (_gate)
                {
                    return [.. _batches.Select(b => b.ToList())];
                }
            }
        }

        public DurableState Load(int cachedMessagesPerSession) => throw new NotSupportedException();

        public IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit) => [];

        public void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs)
        {
            if (FailingApply)
            {
                Interlocked.Increment(ref _failedApplies);
                throw new IOException("No space left on device (injected)");
            }

            if (operations.Count == 0)
            {
                return;
            }

            lock (_gate)
            {
                _batches.Add([.. operations]);
                Monitor.PulseAll(_gate);
            }
        }

        public void Sync()
        {
            bool covers;
            lock (_gate)
            {
                covers = _batches.Count > _covered;
                _covered = _batches.Count;
                Monitor.PulseAll(_gate);
            }

            if (covers && Holding && !_release.Wait(Timeout))
            {
                throw new TimeoutException("the test never completed the sync");
            }

            if (Failing)
            {
                throw new IOException("Input/output error (injected fsync failure)");
            }
        }

        public void CompleteOneSync() => _release.Release();

        /// <summary>Lets every sync from now on complete at once.</summary>
        public void CompleteSyncs() => _release.Release(1000);

        public Task WaitForApplyAsync(int count, TimeSpan timeout) => UntilAsync(() => Applied >= count, timeout, $"{count} applied batches");

        /// <summary>Waits until a sync started that covers the first <paramref name="count"/> batches.</summary>
        public Task WaitForSyncCoveringAsync(int count, TimeSpan timeout) => UntilAsync(() => Volatile.Read(ref _covered) >= count, timeout, $"a sync covering batch {count}");

        public void Dispose() => _release.Dispose();

        /// <summary>Waits for <paramref name="condition"/>, woken by every commit and sync (and at least every 50 ms), on a thread of its own.</summary>
        public Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what) => Task.Run(() =>
        {
            var deadline = DateTime.UtcNow + timeout;
            lock (_gate)
            {
                while (!condition())
                {
                    var left = deadline - DateTime.UtcNow;
                    if (left <= TimeSpan.Zero)
                    {
                        throw new TimeoutException("waited in vain for " + what);
                    }

                    Monitor.Wait(_gate, left < TimeSpan.FromMilliseconds(50) ? left : TimeSpan.FromMilliseconds(50));
                }
            }
        });
    }
}
