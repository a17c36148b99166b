namespace Tern.Broker.Persistence;

/// <summary>
/// The second stage of ack durability: makes committed batches durable (<see cref="IDurableStore.Sync"/>, the fsync of
/// the SQLite WAL) on a thread of its own, then runs their callbacks, while the <see cref="DurableWriter"/>'s thread
/// already applies and commits the next batch. A commit of the store writes its pages to the operating system
/// (a process kill cannot lose them); the sync is what makes them survive a power loss or an OS crash.
/// </summary>
/// <remarks>
/// The rule that keeps "acknowledged means on disk": the callbacks of a batch run with true only after a sync that
/// <em>started after</em> the batch's commit returned has completed. The writer hands a batch over only once its commit
/// returned, and a sync covers exactly the batches taken before it starts. Callbacks keep the order of their batches,
/// whatever their outcome (acknowledgements of one connection leave in the order of its packets).
/// </remarks>
internal sealed class DurableSyncStage
{
    private readonly IDurableStore _store;
    private readonly DurableWriter _writer;
    private readonly object _gate = new();
    private readonly Thread _thread;
    private List<Batch> _pending = [];
    private List<Batch> _taken = [];
    private bool _completed;
    private bool _failing;

    /// <param name="store">The store whose commits are synced.</param>
    /// <param name="writer">The writer whose batches come here: told the outcome of every sync, and the guard of every callback.</param>
    public DurableSyncStage(IDurableStore store, DurableWriter writer)
    {
        _store = store;
        _writer = writer;
        _thread = new Thread(Run) { IsBackground = true, Name = "tern-durable-sync" };
        _thread.Start();
    }

    /// <summary>
    /// Hands over a batch whose commit has returned (<paramref name="committed"/> true) or failed (false: its callbacks
    /// run with false, after those of the batches before it). Called by the writer's thread only.
    /// </summary>
    public void Add(Action<bool>[] callbacks, bool committed)
    {
        lock (_gate)
        {
            _pending.Add(new Batch(callbacks, committed));
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Blocks the writer while a batch it handed over still waits for its sync to start. Committing again meanwhile
    /// would gain nothing (the next sync covers whatever is committed when it starts) and cost much: the writer would
    /// commit many small batches, each writing the rows of messages that a batch one sync long would never write (a
    /// message queued and acknowledged within one batch writes nothing). So the writer gathers for as long as the
    /// sync takes, and commits while the next one runs.
    /// </summary>
    public void WaitUntilTaken()
    {
        lock (_gate)
        {
            while (_pending.Count > 0 && !_completed)
            {
                Monitor.Wait(_gate);
            }
        }
    }

    /// <summary>No batch follows: the stage syncs and answers what it holds, then its thread ends.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits for the stage's thread to end (after <see cref="Complete"/>).</summary>
    public bool Join(TimeSpan timeout) => _thread.Join(timeout);

    private void Run()
    {
        while (true)
        {
            bool probe = false;
            lock (_gate)
            {
                while (_pending.Count == 0 && !_completed)
                {
                    // While syncs fail, one is tried every retry interval even without new work, so that the broker
                    // accepts QoS 1/2 again as soon as the disk does.
                    if (!Monitor.Wait(_gate, DurableWriter.RetryInterval) && _failing)
                    {
                        probe = true;
                        break;
                    }
                }

                if (_pending.Count == 0 && !probe)
                {
                    return;
                }

                (_pending, _taken) = (_taken, _pending);
                Monitor.PulseAll(_gate);
            }

            // Everything taken was committed before this point: the sync below starts after each of those commits returned.
            bool synced = true;
            if (probe || _taken.Exists(b => b.Committed))
            {
                synced = TrySync();
            }

            DurableWriter.BeginRound();
            foreach (var batch in _taken)
            {
                foreach (var callback in batch.Callbacks)
                {
                    _writer.RunCallback(callback, batch.Committed && synced);
                }
            }

            _writer.EndRound();
            _taken.Clear();
        }
    }

    private bool TrySync()
    {
        try
        {
            _store.Sync();
            _failing = false;
            _writer.ReportSync(null);
            return true;
        }
        catch (Exception ex)
        {
            _failing = true;
            _writer.ReportSync(ex);
            return false;
        }
    }

    private readonly record struct Batch(Action<bool>[] Callbacks, bool Committed);
}
