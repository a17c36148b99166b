using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Connections;

/// <summary>
/// The connection's outbound queue and its writer. An idle connection holds no array, no task, no parked state
/// machine: the ring is allocated on the first packet that has to wait, and the writer runs only while there is
/// something to write.
/// </summary>
/// <remarks>
/// <para>Concurrency contract. Everything below is guarded by <see cref="_gate"/>. Exactly one thread at a time holds
/// the <em>writer role</em> (<see cref="_writing"/>); only the holder touches the output pipe. A producer that finds the
/// role free takes it and writes on its own thread (stay synchronous until something must wait); a producer that
/// finds it taken appends to the ring, and the holder drains the ring before it gives the role up, under the same
/// lock, so no packet is left behind without a writer (no lost wake-up). The order on the wire is the order in which
/// producers took the lock: a packet is written directly only while the ring is empty, otherwise it goes behind what
/// is queued ([MQTT-4.6.0-2]..[MQTT-4.6.0-6]: PUBACKs, PUBRECs, PUBCOMPs and PUBLISHes keep their order).</para>
/// <para>The read loop takes the role for a whole receive batch (<see cref="BeginBatch"/>): the acknowledgements and
/// CONNACK it produces go straight into the pipe and are flushed once at <see cref="EndBatch"/>.</para>
/// <para>When a flush cannot complete at once (the client is not reading), the holder keeps the role and continues on
/// the flush's completion callback; meanwhile producers queue, and the read loop pauses past the high-water mark.</para>
/// </remarks>
internal sealed partial class MqttConnection : IThreadPoolWorkItem
{
    // 8 × 24-byte items: a small first array; a burst grows it by doubling, and a drained queue drops any array larger
    // than this one, so only a connection that ever had to queue keeps ~220 B.
    private const int InitialRingCapacity = 8;

    // Items written between two flushes when producers keep the ring full: bounds the unflushed bytes in the pipe.
    private const int MaxItemsPerFlush = 256;

    private readonly Lock _gate = new();
    private OutboundPacket[]? _ring;
    private int _head;
    private int _count;
    private bool _writing;
    private int _batchThread;
    private int _closeRequested;
    private bool _finished;
    private int _unflushedItems;
    private long _unflushedBytes;

    /// <summary>Items queued and not yet written.</summary>
    public int Backlog => Volatile.Read(ref _count);

    /// <summary>Whether the queue holds an array now (for tests: an idle connection should not).</summary>
    internal bool HoldsQueueStorage
    {
        get
        {
            lock (_gate)
            {
                return _ring is not null;
            }
        }
    }

    /// <summary>Queues a packet for the writer, or writes it at once when nothing is queued and no flush is pending. Ignored once the connection is closing.</summary>
    public void Enqueue(in OutboundPacket packet)
    {
        int size = packet.Size;
        string? shed = null;
        bool direct = false;
        bool start = false;
        lock (_gate)
        {
            if (_closeRequested != 0)
            {
                goto Discard;
            }

            if (packet.IsAtMostOncePublish && (shed = ShedLimit(size)) is not null)
            {
                goto Discard;
            }

            _outboundBytes += size;
            if (_count == 0 && _batchThread == Environment.CurrentManagedThreadId)
            {
                // The read loop holds the writer role for its batch and nothing waits before this packet.
                direct = true;
            }
            else if (_count == 0 && !_writing)
            {
                _writing = true;
                direct = true;
                if (CanCork)
                {
                    // A read batch on this thread routes to this idle connection: written now, flushed when the batch ends.
                    NoteCorked();
                }
                else
                {
                    start = true;
                }
            }
            else
            {
                Push(packet);
                if (!_writing)
                {
                    _writing = start = true;
                }
            }
        }

        if (direct)
        {
            try
            {
                WriteUnflushed(packet);
            }
            catch (Exception ex)
            {
                Fail(ex);
                return;
            }

            if (start)
            {
                RunWriter();
            }
        }
        else if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }

        return;

    Discard:
        if (shed is not null)
        {
            NoteShed(shed);
        }

        OnDiscarded(packet);
    }

    /// <summary>Flushes everything queued so far, then closes the connection. Safe to call from any thread, any number of times.</summary>
    public void RequestClose()
    {
        bool start = false;
        bool wake;
        lock (_gate)
        {
            if (_closeRequested != 0)
            {
                return;
            }

            Volatile.Write(ref _closeRequested, 1);
            if (!_writing)
            {
                _writing = start = true;
            }

            wake = TakeWaiter(Waiter.Drain);
        }

        _closing?.TrySetResult();
        if (wake)
        {
            SignalWaiter();
        }

        if (start)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }
    }

    /// <summary>
    /// The read loop takes the writer role for a receive batch, when it is free; true when it did. The durable writer's
    /// callbacks take it too, for the acknowledgements of one commit (MqttChannel.Durability.cs).
    /// </summary>
    internal bool BeginBatch()
    {
        lock (_gate)
        {
            if (_writing)
            {
                return false;
            }

            _writing = true;
            _batchThread = Environment.CurrentManagedThreadId;
            return true;
        }
    }

    /// <summary>Ends the read loop's batch: writes what others queued meanwhile, flushes, gives the role up.</summary>
    internal void EndBatch()
    {
        lock (_gate)
        {
            _batchThread = 0;
        }

        RunWriter();
    }

    /// <summary>Waits until the backlog is down to the low-water mark or the connection closes.</summary>
    private ValueTask WaitForDrainAsync()
    {
        lock (_gate)
        {
            if (_count <= BacklogLowWater || _closeRequested != 0)
            {
                return default;
            }

            var stall = Stall;
            stall.Signal.Reset();
            stall.Waiting = Waiter.Drain;
            return new ValueTask(stall, stall.Signal.Version);
        }
    }

    /// <summary>Waits until the writer has flushed the last packet and completed the output pipe.</summary>
    private ValueTask WaitForWriterFinishedAsync()
    {
        lock (_gate)
        {
            if (_finished)
            {
                return default;
            }

            var stall = Stall;
            stall.Signal.Reset();
            stall.Waiting = Waiter.Finished;
            return new ValueTask(stall, stall.Signal.Version);
        }
    }

    /// <summary>The writer started by a producer that does not write on its own thread.</summary>
    void IThreadPoolWorkItem.Execute() => RunWriter();

    /// <summary>
    /// The writer, run by the holder of the writer role: writes what is queued, flushes once per batch, and gives the
    /// role up when the ring is empty. Returns early when a flush must wait; the flush's completion continues it.
    /// </summary>
    private void RunWriter()
    {
        var output = _context.Transport.Output;
        try
        {
            while (true)
            {
                bool closing = false;
                int items = 0;
                while (items < MaxItemsPerFlush && TryDequeue(out var item, out closing))
                {
                    WriteUnflushed(item);
                    items++;
                }

                if (_finished)
                {
                    return;
                }

                if (_unflushedItems == 0 && !closing)
                {
                    if (TryReleaseWriter())
                    {
                        return;
                    }

                    continue;
                }

                _engine.Metrics.Sent(output.CanGetUnflushedBytes ? output.UnflushedBytes : 0, _unflushedItems);
                var flush = output.FlushAsync();
                if (!flush.IsCompleted)
                {
                    NoteFlushStarted(false);
                    var stall = Stall;
                    stall.PendingFlush = flush;
                    stall.PendingFlushCloses = closing;
                    flush.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(stall.OnFlushCompleted);
                    return;
                }

                if (!AfterFlush(flush.GetAwaiter().GetResult(), closing))
                {
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    private void OnFlushCompleted()
    {
        var stall = _stall!;
        var flush = stall.PendingFlush;
        stall.PendingFlush = default;
        try
        {
            if (!AfterFlush(flush.GetAwaiter().GetResult(), stall.PendingFlushCloses))
            {
                return;
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
            return;
        }

        RunWriter();
    }

    /// <summary>Accounts a completed flush; false when the writer is done (closing, or the transport is gone).</summary>
    private bool AfterFlush(FlushResult result, bool closing)
    {
        NoteFlushEnded();

        // Bytes count until the transport took them: what sits in the output pipe is part of the bound.
        long bytes = _unflushedBytes;
        _unflushedBytes = 0;
        _unflushedItems = 0;
        lock (_gate)
        {
            _outboundBytes -= bytes;
        }

        if (closing || result.IsCompleted || result.IsCanceled)
        {
            Finish();
            return false;
        }

        return true;
    }

    private void WriteUnflushed(in OutboundPacket item)
    {
        // The size first: writing a PUBLISH releases its pooled encoding, whose length is then no longer this packet's.
        _unflushedBytes += item.Size;
        Write(_context.Transport.Output, item);
        _unflushedItems++;
    }

    private void Fail(Exception ex)
    {
        if (ex is IOException or ConnectionResetException or ConnectionAbortedException or InvalidOperationException or OperationCanceledException)
        {
            BrokerLog.ConnectionError(_engine.Logger, RemoteEndPoint, ex);
        }
        else
        {
            BrokerLog.UnexpectedError(_engine.Logger, RemoteEndPoint, _channel.ClientId, ex);
        }

        Finish();
    }

    /// <summary>
    /// The writer's end: nothing more is accepted, what is still queued is discarded, the output pipe is completed and
    /// the read loop is woken to end too. The writer role is never given back.
    /// </summary>
    private void Finish()
    {
        OutboundPacket[]? left;
        int head;
        int count;
        bool wake;
        lock (_gate)
        {
            if (_finished)
            {
                return;
            }

            _finished = true;
            Volatile.Write(ref _closeRequested, 1);
            left = _ring;
            head = _head;
            count = _count;
            _ring = null;
            _head = 0;
            Volatile.Write(ref _count, 0);
            _outboundBytes = 0;
            wake = TakeWaiter(Waiter.Finished) || TakeWaiter(Waiter.Drain);
        }

        for (int i = 0; i < count; i++)
        {
            OnDiscarded(left![(head + i) & (left.Length - 1)]);
        }

        _closing?.TrySetResult();
        try
        {
            _context.Transport.Output.Complete();
            _context.Transport.Input.CancelPendingRead();
        }
        catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException)
        {
            BrokerLog.ConnectionError(_engine.Logger, RemoteEndPoint, ex);
        }

        if (wake)
        {
            SignalWaiter();
        }
    }

    /// <summary>
    /// The single place where a packet that will never be written ends: dropped at enqueue (closing, or QoS 0 shed) or
    /// still queued when the writer finished. Pooled messages are released here.
    /// </summary>
    private static void OnDiscarded(in OutboundPacket packet)
    {
        packet.DiscardUnsent();
    }

    private void Push(in OutboundPacket packet)
    {
        var ring = _ring;
        if (ring is null)
        {
            ring = _ring = new OutboundPacket[InitialRingCapacity];
        }
        else if (_count == ring.Length)
        {
            // Unroll the ring into an array twice the size, oldest first.
            var grown = new OutboundPacket[ring.Length * 2];
            int first = ring.Length - _head;
            Array.Copy(ring, _head, grown, 0, first);
            Array.Copy(ring, 0, grown, first, _head);
            ring = _ring = grown;
            _head = 0;
        }

        ring[(_head + _count) & (ring.Length - 1)] = packet;
        Volatile.Write(ref _count, _count + 1);
    }

    /// <summary>Takes the oldest queued packet; when there is none, says whether the writer should close.</summary>
    private bool TryDequeue(out OutboundPacket item, out bool closing)
    {
        bool wake = false;
        try
        {
            lock (_gate)
            {
                if (_count == 0 || _finished)
                {
                    item = default;
                    closing = _closeRequested != 0 && !_finished;
                    return false;
                }

                var ring = _ring!;
                item = ring[_head];
                ring[_head] = default;
                _head = (_head + 1) & (ring.Length - 1);
                Volatile.Write(ref _count, _count - 1);
                if (_count == 0)
                {
                    _head = 0;
                    if (ring.Length > InitialRingCapacity)
                    {
                        _ring = null;
                    }
                }

                closing = false;
                wake = _count <= BacklogLowWater && TakeWaiter(Waiter.Drain);
                return true;
            }
        }
        finally
        {
            if (wake)
            {
                SignalWaiter();
            }
        }
    }

    /// <summary>Gives the writer role up if nothing is queued and no close is pending; false when there is more to do.</summary>
    private bool TryReleaseWriter()
    {
        lock (_gate)
        {
            if (_count != 0 || _closeRequested != 0)
            {
                return false;
            }

            _writing = false;
            return true;
        }
    }

    // Called under _gate: clears the waiter if it is the given kind; the caller signals after leaving the lock.
    private bool TakeWaiter(Waiter kind)
    {
        var stall = _stall;
        if (stall is null || stall.Waiting != kind)
        {
            return false;
        }

        stall.Waiting = Waiter.None;
        return true;
    }
}
