using Microsoft.Extensions.Logging.Abstractions;
using Tern.Broker;
using Tern.Broker.Persistence;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>
/// One packet's writes are committed together or not at all. The QoS 2 crash test found the case that needs it: an
/// inbound packet identifier awaiting PUBREL committed in one batch and the message it carried in the next; a kill
/// between them left the broker answering the publisher's resend with PUBREC without routing it, and an acknowledged
/// message was lost.
/// </summary>
public sealed class WriteGroupTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_group_is_never_split_by_a_commit_that_happens_while_it_is_open()
    {
        var store = new RecordingStore();
        using var writer = new DurableWriter(store, new PersistenceOptions(), new DurableClock(TimeProvider.System), NullLogger.Instance, lastStoreId: 0);

        DurableWriter.BeginGroup();
        try
        {
            writer.Write(new ReleaseAwaited("pub", 1));

            // Another connection's packet commits while this one is half recorded. The group belongs to this thread,
            // so the test waits here without leaving it (a read loop processes a packet without awaiting, too).
            using var committed = new ManualResetEventSlim();
            var other = new Thread(() =>
            {
                writer.Write(new ReleaseAwaited("other", 7));
                writer.AfterCommit(_ => committed.Set());
            });
            other.Start();
            Assert.True(committed.Wait(Timeout), "the other packet was not committed");

            writer.Write(new SessionWillCleared("sub"));
        }
        finally
        {
            DurableWriter.EndGroup();
        }

        var done = new Signal("the group committed");
        writer.AfterCommit(_ => done.Set());
        await done.WaitAsync(Timeout);

        var batches = store.Batches;
        var otherBatch = Assert.Single(batches, b => b.Any(o => o is ReleaseAwaited { ClientId: "other" }));
        Assert.DoesNotContain(otherBatch, o => o is ReleaseAwaited { ClientId: "pub" });
        var grouped = Assert.Single(batches, b => b.Any(o => o is ReleaseAwaited { ClientId: "pub" }));
        Assert.Contains(grouped, o => o is SessionWillCleared { ClientId: "sub" });
    }

    [Fact]
    public async Task Callbacks_registered_inside_a_group_run_after_the_whole_group_is_committed()
    {
        var store = new RecordingStore();
        using var writer = new DurableWriter(store, new PersistenceOptions(), new DurableClock(TimeProvider.System), NullLogger.Instance, lastStoreId: 0);
        var acknowledged = new Signal("the callback ran");
        int batchesAtCallback = -1;

        DurableWriter.BeginGroup();
        try
        {
            writer.Write(new ReleaseAwaited("pub", 1));
            writer.AfterCommit(committed =>
            {
                Assert.True(committed);
                batchesAtCallback = store.Batches.Count(b => b.Any(o => o is SessionWillCleared));
                acknowledged.Set();
            });
            writer.Write(new SessionWillCleared("sub"));
        }
        finally
        {
            DurableWriter.EndGroup();
        }

        await acknowledged.WaitAsync(Timeout);
        Assert.Equal(1, batchesAtCallback);
    }

    [Fact]
    public async Task Writes_outside_a_group_are_handed_to_the_writer_at_once()
    {
        var store = new RecordingStore();
        using var writer = new DurableWriter(store, new PersistenceOptions(), new DurableClock(TimeProvider.System), NullLogger.Instance, lastStoreId: 0);
        var committed = new Signal("the write committed");

        writer.Write(new ReleaseAwaited("pub", 1));
        writer.AfterCommit(_ => committed.Set());

        await committed.WaitAsync(Timeout);
        Assert.Contains(store.Batches, b => b.Any(o => o is ReleaseAwaited { ClientId: "pub" }));
    }

    /// <summary>Keeps every batch the writer applies.</summary>
    private sealed class RecordingStore : IDurableStore
    {
        private readonly object _gate = new();
        private readonly List<List<DurableOperation>> _batches = [];

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
            if (operations.Count == 0)
            {
                return;
            }

            lock (_gate)
            {
                _batches.Add([.. operations]);
            }
        }

        public void Sync()
        {
        }

        public void Dispose()
        {
        }
    }
}
