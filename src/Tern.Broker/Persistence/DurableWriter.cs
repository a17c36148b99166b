using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Tern.Broker.Persistence;

/// <summary>
/// The single writer of durable state. Every thread records operations with <see cref="Write"/> (a queue write, never
/// blocking); one background thread takes everything queued since its last commit and applies it in ONE transaction
/// (group commit), then the callbacks registered with <see cref="AfterCommit"/> run in the order they were registered,
/// which is how acknowledgements wait for their writes without blocking a read loop.
/// </summary>
/// <remarks>
/// <para>
/// Ack durability is pipelined: a commit writes the batch to the store without waiting for the disk, and the
/// <see cref="DurableSyncStage"/> makes it durable (fsync) on a thread of its own and only then runs the batch's
/// callbacks, while this thread already applies and commits the next batch. Periodic durability runs the callbacks
/// right after the commit (there is no sync to wait for).
/// </para>
/// <para>
/// When a commit or a sync fails (disk full, read-only, I/O error) the writer is <see cref="IsFaulted"/>: the callbacks
/// of the batch learn it (the channel then refuses instead of acknowledging). A batch whose commit failed is retried
/// every <see cref="RetryInterval"/> together with what arrives meanwhile, until a commit succeeds; after a failed sync
/// the next syncs are tried as batches come (at least every <see cref="RetryInterval"/>). Memory stays the truth while
/// the broker runs; the store catches up with it.
/// </para>
/// </remarks>
internal sealed class DurableWriter : IDisposable
{
    /// <summary>How long the writer waits between attempts while the store fails.</summary>
    public static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    // A commit is made at least this often while idle, so that "last alive" bounds the downtime of a crash.
    private static readonly TimeSpan AliveInterval = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Free messages the message pool of a broker with a durable store keeps (256 without one): each record of a queued
    /// message holds a reference until its batch is committed, so a batch's messages come back together, thousands
    /// at a time under load, and a pool of 256 would leave most of them to the GC (a new message, encoding array and
    /// encoding per PUBLISH). About 1 MiB when idle.
    /// </summary>
    public const int MessagePoolCapacity = 4096;

    // Bounds one transaction, so a backlog is committed in steps and acknowledgements keep flowing.
    private const int MaxBatch = 20_000;

    [ThreadStatic]
    private static long t_writes;

    [ThreadStatic]
    private static WriteGroup? t_group;

    // Set while this thread runs a round of callbacks; what they ask to do at its end (WhenCallbacksDone).
    [ThreadStatic]
    private static List<Action>? t_roundEnd;

    [ThreadStatic]
    private static bool t_inRound;

    // The ticket scope of the publish being routed on this thread (BeginTicket): its ticket once a copy was queued, and
    // whether the publish wrote anything else (then it has no early answer).
    [ThreadStatic]
    private static bool t_ticketScope;

    [ThreadStatic]
    private static DurableTicket? t_ticket;

    [ThreadStatic]
    private static bool t_ticketSpoiled;

    private readonly IDurableStore _store;
    private readonly DurableClock _clock;
    private readonly ILogger _logger;
    private readonly System.Threading.Channels.Channel<Item> _queue = System.Threading.Channels.Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Thread _thread;
    private readonly TimeSpan _flushInterval;
    private readonly ManualResetEventSlim _stopping = new();
    private readonly DurableSyncStage? _sync;
    private readonly Lock _faultGate = new();

    // Records of queued messages not yet taken into a batch (and, while their publish's answer waits, those taken), by
    // store key modulo the length: an acknowledgement finds its message's record here to cancel it or to count it for
    // its publish (CancelIfPending). A slot reused by a later key before the earlier record left only loses the
    // shortcut for that record: its removal is then written as usual.
    private const int RecentMask = (1 << 16) - 1;
    private readonly MessageQueued?[] _recent = new MessageQueued?[RecentMask + 1];
    private long _lastStoreId;
    private bool _commitFailing;
    private bool _syncFailing;
    private long _faultedSince;

    public DurableWriter(IDurableStore store, PersistenceOptions options, DurableClock clock, ILogger logger, long lastStoreId)
    {
        _store = store;
        _clock = clock;
        _logger = logger;
        _lastStoreId = lastStoreId;
        DefersAcknowledgements = options.Durability == DurabilityMode.Ack;
        MaxCachedMessages = options.MaxCachedMessagesPerSession;
        _flushInterval = options.FlushInterval;
        if (DefersAcknowledgements)
        {
            _sync = new DurableSyncStage(store, this);
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "tern-durable-writer" };
        _thread.Start();
    }

    /// <summary>How many operations the current thread has recorded: a read loop compares it before and after a packet to know whether its acknowledgement must wait for a commit.</summary>
    public static long ThreadWrites => t_writes;

    /// <summary>Ack durability: acknowledgements wait for the commit of their writes.</summary>
    public bool DefersAcknowledgements { get; }

    /// <summary>The last commit failed and no commit has succeeded since: new QoS 1/2 work is refused.</summary>
    public bool IsFaulted => Volatile.Read(ref _commitFailing) || Volatile.Read(ref _syncFailing);

    /// <summary>How many queued messages of a session stay in memory; those beyond live only in the store.</summary>
    public int MaxCachedMessages { get; }

    /// <summary>The clock the stored times are in.</summary>
    public DurableClock Clock => _clock;

    /// <summary>A new key for a stored message; keys increase in the order messages are queued.</summary>
    public long NextStoreId() => Interlocked.Increment(ref _lastStoreId);

    /// <summary>
    /// Opens a write group on the current thread: what <see cref="Write"/> and <see cref="AfterCommit"/> record until
    /// the matching <see cref="EndGroup"/> reaches the writer as one item, so it is committed in one transaction and
    /// its callbacks run after that commit. One packet's writes form a group: a commit boundary between them could
    /// store half of a packet's effects — an inbound QoS 2 identifier awaiting PUBREL without the message it carried
    /// (the publisher's resend is then answered PUBREC without being routed, and the message is lost), or a message
    /// queued for some of its subscribers only. Groups nest; only the outermost one hands its writes over.
    /// </summary>
    public static void BeginGroup() => (t_group ??= new WriteGroup()).Depth++;

    /// <summary>Closes the group opened by <see cref="BeginGroup"/>; the outermost close hands the group to its writer.</summary>
    public static void EndGroup()
    {
        var group = t_group!;
        if (--group.Depth == 0)
        {
            group.Flush();
        }
    }

    /// <summary>
    /// Opens the ticket scope of a QoS 1 PUBLISH on the current thread (ack durability): the copies it queues until
    /// <see cref="EndTicket"/> are registered with one <see cref="DurableTicket"/>, so its PUBACK may go once they are all
    /// acknowledged, even before their commit.
    /// </summary>
    public static void BeginTicket()
    {
        t_ticketScope = true;
        t_ticketSpoiled = false;
        t_ticket = null;
    }

    /// <summary>
    /// Closes the scope opened by <see cref="BeginTicket"/>: the ticket of the copies queued meanwhile, or null when none
    /// was queued or the publish wrote anything other than QoS 1 copies (a retained message, a dropped message): then its
    /// answer waits for the commit as any other.
    /// </summary>
    public static DurableTicket? EndTicket()
    {
        var ticket = t_ticket;
        t_ticketScope = false;
        t_ticket = null;
        if (ticket is not null && t_ticketSpoiled)
        {
            ticket.Retire();
            return null;
        }

        return ticket;
    }

    /// <summary>Forgets the copies of <paramref name="ticket"/>: its answer no longer waits for them.</summary>
    internal void Retire(DurableTicket ticket)
    {
        for (int i = 0; i < ticket.CopyCount; i++)
        {
            Forget(ticket.CopyAt(i));
        }
    }

    private void Forget(MessageQueued queued) =>
        Interlocked.CompareExchange(ref _recent[queued.Delivery.StoreId & RecentMask], null, queued);

    /// <summary>Records an operation.</summary>
    public void Write(DurableOperation operation)
    {
        t_writes++;
        if (operation is MessageQueued queued)
        {
            // Before the message can be sent (the session sends after this returns), so its acknowledgement finds it.
            Volatile.Write(ref _recent[queued.Delivery.StoreId & RecentMask], queued);
        }

        if (t_ticketScope)
        {
            NoteForTicket(operation);
        }

        if (operation is MessageRemoved removed && CancelIfPending(removed.StoreId, removed is MessageAcknowledged))
        {
            // Its queueing was never taken into a batch: neither is written (see CancelIfPending).
            return;
        }

        if (t_group is { Depth: > 0 } group)
        {
            group.Bind(this).Operations.Add(operation);
            return;
        }

        _queue.Writer.TryWrite(new Item(operation, null, null));
    }

    /// <summary>
    /// Runs <paramref name="callback"/> once everything recorded before this call is committed — and, with ack
    /// durability, synced to disk — (true) or failed to be (false). Callbacks run in the order they were registered, on
    /// the writer's thread (periodic) or the sync stage's thread (ack), never concurrently with each other. After
    /// <see cref="Dispose"/> the callback runs at once with false.
    /// </summary>
    public void AfterCommit(Action<bool> callback)
    {
        if (t_group is { Depth: > 0 } group)
        {
            group.Bind(this).Callbacks.Add(callback);
            return;
        }

        AfterCommitUngrouped(callback);
    }

    /// <summary>
    /// Called from a callback: runs <paramref name="action"/> once the round of callbacks running now on this thread
    /// (those of the batches committed, or synced, together) has ended. A channel holds its connection's writer role
    /// for the round, so its acknowledgements of one commit leave in one send instead of one send each. Outside a
    /// round (a callback run at once because the writer stopped) the action runs at once.
    /// </summary>
    public static void WhenCallbacksDone(Action action)
    {
        if (!t_inRound)
        {
            action();
            return;
        }

        (t_roundEnd ??= []).Add(action);
    }

    /// <summary>Whether the current thread is running a round of callbacks (only one thread of a writer ever does).</summary>
    public static bool InRound => t_inRound;

    /// <summary>Starts a round of callbacks on the current thread (see <see cref="WhenCallbacksDone"/>).</summary>
    internal static void BeginRound() => t_inRound = true;

    /// <summary>Ends the round started by <see cref="BeginRound"/>: runs what its callbacks asked for at its end.</summary>
    internal void EndRound()
    {
        t_inRound = false;
        if (t_roundEnd is not { Count: > 0 } ends)
        {
            return;
        }

        foreach (var end in ends)
        {
            try
            {
                end();
            }
            catch (Exception ex)
            {
                PersistenceLog.CallbackFailed(_logger, ex);
            }
        }

        ends.Clear();
    }

    // Inside a ticket scope: a QoS 1 copy joins the publish's ticket (registered before the copy can be sent, so its
    // acknowledgement finds it); anything else spoils the early answer.
    private void NoteForTicket(DurableOperation operation)
    {
        if (operation is MessageQueued { Delivery.QoS: Tern.Protocol.QualityOfService.AtLeastOnce } queued && !t_ticketSpoiled)
        {
            var ticket = t_ticket ??= new DurableTicket(this);
            ticket.Add(queued);
            queued.Ticket = ticket;
        }
        else
        {
            t_ticketSpoiled = true;
        }
    }

    /// <summary>
    /// The message stored as <paramref name="storeId"/> left its session (<paramref name="acknowledged"/>: the client
    /// acknowledged it). When the writer has not yet taken its queueing into a batch, the queueing is cancelled (true):
    /// no row is ever written for it, nor its removal, and the record's reference to the message goes back now instead
    /// of after a commit. This is the in-batch skip of SqliteDurableStore.Apply decided earlier: a message queued and
    /// gone before anything of it was written leaves nothing to write. An acknowledgement also counts for the early
    /// answer of the publish that queued the message (<see cref="DurableTicket"/>), cancelled or not; a drop, an
    /// expiry or a hand-over to another member of a shared subscription never does.
    /// </summary>
    private bool CancelIfPending(long storeId, bool acknowledged)
    {
        var queued = Volatile.Read(ref _recent[storeId & RecentMask]);
        if (queued is null || queued.Delivery.StoreId != storeId)
        {
            return false;
        }

        var ticket = queued.Ticket;
        bool cancelled = Interlocked.CompareExchange(ref queued.State, MessageQueued.Cancelled, MessageQueued.Pending) == MessageQueued.Pending;
        if (cancelled)
        {
            if (ticket is null)
            {
                Forget(queued);
            }

            queued.Delivery.Message.Release();
        }

        if (acknowledged)
        {
            ticket?.CopyAcknowledged();
        }

        return cancelled;
    }

    // Takes an operation into the batch being gathered. A queued message's record is claimed first: from then on an
    // acknowledgement no longer cancels it (its removal is written), and one cancelled before is left out.
    private void Take(List<DurableOperation> operations, DurableOperation operation)
    {
        if (operation is MessageQueued queued)
        {
            if (Interlocked.CompareExchange(ref queued.State, MessageQueued.Claimed, MessageQueued.Pending) == MessageQueued.Cancelled)
            {
                return;
            }

            if (queued.Ticket is null)
            {
                Forget(queued);
            }
        }

        operations.Add(operation);
    }

    private void Enqueue(DurableOperation[] operations, Action<bool>[] callbacks)
    {
        if (!_queue.Writer.TryWrite(new Item(null, null, new GroupedItems(operations, callbacks))))
        {
            foreach (var callback in callbacks)
            {
                callback(false);
            }
        }
    }

    /// <summary>
    /// Reads queued messages of <paramref name="clientId"/> back from the store (see <see cref="IDurableStore.ReadQueued"/>)
    /// once everything recorded before this call is committed, so every message queued before it can be found. The
    /// read runs on the thread pool, never on the writer's thread; <paramref name="done"/> gets the messages, or null
    /// when the store could not be read or the writer stopped. While commits fail the read waits for one to succeed.
    /// </summary>
    public void ReadQueued(string clientId, long fromStoreId, int limit, Action<IReadOnlyList<StoredDelivery>?> done)
    {
        // Inside a write group the read waits for the group too: it may hold messages queued by this very packet.
        if (t_group is { Depth: > 0 } group)
        {
            group.Bind(this).Callbacks.Add(AfterCommitted);
        }
        else if (!_queue.Writer.TryWrite(new Item(null, AfterCommitted, null)))
        {
            done(null);
        }

        void AfterCommitted(bool committed)
        {
            if (!committed)
            {
                // Wait for the retry of the failed batch (the writer stopping ends the wait).
                if (!_queue.Writer.TryWrite(new Item(null, AfterCommitted, null)))
                {
                    done(null);
                }

                return;
            }

            ThreadPool.UnsafeQueueUserWorkItem(
                _ =>
                {
                    IReadOnlyList<StoredDelivery>? rows;
                    try
                    {
                        rows = _store.ReadQueued(clientId, fromStoreId, limit);
                    }
                    catch (Exception ex)
                    {
                        PersistenceLog.ReadFailed(_logger, clientId, ex.Message);
                        rows = null;
                    }

                    done(rows);
                },
                null);
        }
    }

    /// <summary>Commits (and syncs) what is queued and stops the writer (bounded wait), then closes the store.</summary>
    public void Dispose()
    {
        _queue.Writer.TryComplete();
        _stopping.Set();
        var timeout = TimeSpan.FromSeconds(10);
        long started = _clock.Time.GetTimestamp();
        if (!_thread.Join(timeout) || (_sync is not null && !_sync.Join(Remaining())))
        {
            PersistenceLog.ShutdownTimedOut(_logger, timeout.TotalSeconds);
            return;
        }

        _store.Dispose();
        _stopping.Dispose();

        TimeSpan Remaining()
        {
            var left = timeout - _clock.Time.GetElapsedTime(started);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    private void Run()
    {
        try
        {
            RunBatches();
        }
        finally
        {
            _sync?.Complete();
        }
    }

    private void RunBatches()
    {
        var operations = new List<DurableOperation>();
        var callbacks = new List<Action<bool>>();
        bool backlog = false;
        while (true)
        {
            // After a failure the batch is retried at once (the retry interval was waited), without waiting for more work.
            bool open = Volatile.Read(ref _commitFailing) ? !_queue.Reader.Completion.IsCompleted : WaitForWork();
            if (!DefersAcknowledgements && open && !backlog)
            {
                // Periodic durability: gather a whole interval's writes into one commit.
                _stopping.Wait(_flushInterval);
            }

            // Ack durability: gather while the previous batch waits for its sync to start.
            _sync?.WaitUntilTaken();

            while (operations.Count < MaxBatch && _queue.Reader.TryRead(out var item))
            {
                if (item.Operation is not null || item.Callback is not null)
                {
                    // One operation, one callback, or a group of one of each (a QoS 1 PUBLISH queued for one persistent
                    // session and its PUBACK): the callback runs after the operation's commit.
                    if (item.Operation is not null)
                    {
                        Take(operations, item.Operation);
                    }

                    if (item.Callback is not null)
                    {
                        callbacks.Add(item.Callback);
                    }
                }
                else
                {
                    // A group is never split: its operations go into this batch whole, its callbacks after them.
                    foreach (var operation in item.Group!.Operations)
                    {
                        Take(operations, operation);
                    }

                    callbacks.AddRange(item.Group.Callbacks);
                }
            }

            // Periodic durability: a full batch means a backlog; the next one is taken at once, not an interval later
            // (else the writer would commit at most MaxBatch operations per interval and the queue would grow).
            backlog = operations.Count >= MaxBatch;
            bool committed = TryCommit(operations);
            if (committed)
            {
                ReleaseMessages(operations);
                operations.Clear();
            }

            if (_sync is not null)
            {
                // Ack durability: the callbacks wait for a sync that starts after this commit returned; meanwhile this
                // thread goes on with the next batch.
                _sync.Add([.. callbacks], committed);
            }
            else
            {
                BeginRound();
                foreach (var callback in callbacks)
                {
                    RunCallback(callback, committed);
                }

                EndRound();
            }

            callbacks.Clear();
            if (!committed)
            {
                // The batch stays in `operations` and is retried with what arrives meanwhile. At shutdown there is no
                // later: what could not be written is lost, and the log said why.
                if (!open && _queue.Reader.Completion.IsCompleted)
                {
                    return;
                }

                _stopping.Wait(RetryInterval);
                continue;
            }

            if (!open && !_queue.Reader.TryPeek(out _))
            {
                return;
            }
        }
    }

    // A queued message's record holds a reference (MqttSession.Store): once its row is committed (or skipped within
    // the batch) the writer never reads it again, and the message may go back to the pool. A batch that failed keeps
    // its records, and their references, until its retry commits.
    private static void ReleaseMessages(List<DurableOperation> operations)
    {
        foreach (var operation in operations)
        {
            if (operation is MessageQueued queued)
            {
                queued.Delivery.Message.Release();
            }
        }
    }

    // Blocks until something is queued (true), the alive interval passes (true: commit an empty batch that records
    // "last alive"), or the queue is completed and drained (false).
    private bool WaitForWork()
    {
        if (_queue.Reader.TryPeek(out _))
        {
            return true;
        }

        var wait = _queue.Reader.WaitToReadAsync().AsTask();
        if (!wait.Wait(AliveInterval))
        {
            return true;
        }

        return wait.Result;
    }

    private bool TryCommit(List<DurableOperation> operations)
    {
        try
        {
            _store.Apply(operations, _clock.NowUnixMs);
            Report(ref _commitFailing, null);
            return true;
        }
        catch (Exception ex)
        {
            Report(ref _commitFailing, ex);
            return false;
        }
    }

    // The outcome of a commit or a sync (failure null: it succeeded). The broker is faulted while either fails; the
    // log says when it becomes faulted (6001) and when it is not any more (6002).
    private void Report(ref bool failing, Exception? failure)
    {
        if ((failure is not null) == Volatile.Read(ref failing))
        {
            return;
        }

        lock (_faultGate)
        {
            bool wasFaulted = IsFaulted;
            Volatile.Write(ref failing, failure is not null);
            if (!wasFaulted && failure is not null)
            {
                _faultedSince = _clock.Time.GetTimestamp();
                PersistenceLog.WriteFailed(_logger, failure.Message);
            }
            else if (wasFaulted && !IsFaulted)
            {
                PersistenceLog.WriteRecovered(_logger, _clock.Time.GetElapsedTime(_faultedSince).TotalSeconds);
            }
        }
    }

    /// <summary>The sync stage's outcome (failure null: the sync succeeded).</summary>
    internal void ReportSync(Exception? failure) => Report(ref _syncFailing, failure);

    /// <summary>Runs one callback; one that throws is logged (6004) and the others still run.</summary>
    internal void RunCallback(Action<bool> callback, bool committed)
    {
        try
        {
            callback(committed);
        }
        catch (Exception ex)
        {
            PersistenceLog.CallbackFailed(_logger, ex);
        }
    }

    private readonly record struct Item(DurableOperation? Operation, Action<bool>? Callback, GroupedItems? Group);

    private sealed record GroupedItems(DurableOperation[] Operations, Action<bool>[] Callbacks);

    /// <summary>The writes of the current thread's open group; reused by the thread from one packet to the next.</summary>
    private sealed class WriteGroup
    {
        private DurableWriter? _writer;

        public int Depth { get; set; }

        public List<DurableOperation> Operations { get; } = [];

        public List<Action<bool>> Callbacks { get; } = [];

        /// <summary>Ties the group to <paramref name="writer"/>; a write for another broker's writer (two brokers in one process) first hands over what the group holds.</summary>
        public WriteGroup Bind(DurableWriter writer)
        {
            if (_writer is not null && !ReferenceEquals(_writer, writer))
            {
                Flush();
            }

            _writer = writer;
            return this;
        }

        public void Flush()
        {
            var writer = _writer;
            _writer = null;
            if (writer is null || (Operations.Count == 0 && Callbacks.Count == 0))
            {
                return;
            }

            // The common groups travel as one item without arrays: one operation, one callback, or one of each.
            if (Operations.Count <= 1 && Callbacks.Count <= 1)
            {
                var operation = Operations.Count == 1 ? Operations[0] : null;
                var callback = Callbacks.Count == 1 ? Callbacks[0] : null;
                if (!writer._queue.Writer.TryWrite(new Item(operation, callback, null)))
                {
                    callback?.Invoke(false);
                }
            }
            else
            {
                writer.Enqueue([.. Operations], [.. Callbacks]);
            }

            Operations.Clear();
            Callbacks.Clear();
        }
    }

    private void AfterCommitUngrouped(Action<bool> callback)
    {
        if (!_queue.Writer.TryWrite(new Item(null, callback, null)))
        {
            callback(false);
        }
    }
}
