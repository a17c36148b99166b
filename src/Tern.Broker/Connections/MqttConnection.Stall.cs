using System.IO.Pipelines;
using System.Threading.Tasks.Sources;

namespace Tern.Broker.Connections;

/// <summary>
/// The state a connection needs only once its writer or its read loop has to wait: a flush the kernel could not take
/// at once, and the read loop's wait for the backlog to drain or for the writer to finish. Kept out of
/// <see cref="MqttConnection"/> so that an idle connection, which never waits, does not carry it (about 90 B each).
/// </summary>
internal sealed partial class MqttConnection
{
    private StallState? _stall;

    /// <summary>Whether the stall state exists (for tests: a connection that never waited should not hold it).</summary>
    internal bool HoldsStallState => Volatile.Read(ref _stall) is not null;

    /// <summary>The stall state, created the first time the connection has to wait (by the writer or the read loop).</summary>
    private StallState Stall
    {
        get
        {
            var stall = Volatile.Read(ref _stall);
            if (stall is not null)
            {
                return stall;
            }

            // The writer (flush state) and the read loop (under _gate) may both get here first: one instance wins.
            stall = new StallState(this);
            return Interlocked.CompareExchange(ref _stall, stall, null) ?? stall;
        }
    }

    /// <summary>Signals the read loop's wait; called only after <see cref="TakeWaiter"/> returned true, so it exists.</summary>
    private void SignalWaiter() => _stall!.Signal.SetResult(true);

    private enum Waiter : byte
    {
        None,
        Drain,
        Finished,
    }

    /// <summary>A stalled flush's continuation and the read loop's wait, created on the first stall.</summary>
    private sealed class StallState : IValueTaskSource
    {
        /// <summary>The flush the writer continues from; touched only by the holder of the writer role.</summary>
        public ValueTask<FlushResult> PendingFlush;

        /// <summary>Whether the pending flush is the last one (a close was dequeued before it).</summary>
        public bool PendingFlushCloses;

        /// <summary>The completion callback of a stalled flush, bound once to the connection.</summary>
        public readonly Action OnFlushCompleted;

        /// <summary>The read loop's wait (drain or writer finished); reset and set under the connection's gate.</summary>
        public ManualResetValueTaskSourceCore<bool> Signal;

        /// <summary>What the read loop waits for, if anything; guarded by the connection's gate.</summary>
        public Waiter Waiting;

        public StallState(MqttConnection connection)
        {
            OnFlushCompleted = connection.OnFlushCompleted;
            Signal.RunContinuationsAsynchronously = true;
        }

        void IValueTaskSource.GetResult(short token) => Signal.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => Signal.GetStatus(token);

        void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Signal.OnCompleted(continuation, state, token, flags);
    }
}
