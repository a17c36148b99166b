namespace Tern.Broker.Connections;

/// <summary>
/// A seam for the in-process benchmark (bench/Tern.Benchmarks) and the allocation guard test: the read path and the
/// write path of <see cref="RunAsync"/>, one step at a time on the calling thread, without the loops. Decode, route and
/// encode then all run on one thread, where <c>GC.GetAllocatedBytesForCurrentThread</c> sees every byte they allocate.
/// Not used by the broker itself.
/// </summary>
internal sealed partial class MqttConnection
{
    /// <summary>Registers the connection with the engine, as <see cref="RunAsync"/> does first.</summary>
    internal void OpenInProcess() => _engine.Register(_channel);

    /// <summary>Processes the whole packets waiting in the transport's input; false when the connection must close.</summary>
    internal bool ReadAvailable()
    {
        var input = _context.Transport.Input;
        if (!input.TryRead(out var result))
        {
            return true;
        }

        var buffer = result.Buffer;
        long available = buffer.Length;
        // As the read loop: the batch holds the writer role, so what it produces is written on this thread.
        bool holdsWriter = BeginBatch();
        bool keepGoing;
        int packets;
        BeginCorking();
        try
        {
            keepGoing = ProcessFrames(ref buffer, _engine.Options.MaxPacketSize, out _, out packets);
        }
        finally
        {
            UncorkAll();
            if (holdsWriter)
            {
                EndBatch();
            }
        }

        _engine.Metrics.Received(available - buffer.Length);
        _engine.Metrics.PacketsReceivedInRead(packets);
        input.AdvanceTo(buffer.Start, buffer.End);
        return keepGoing;
    }

    /// <summary>
    /// Writes what waits in the outbound queue on this thread. Producers write inline while the writer is idle, so this
    /// finds work only when something was queued behind a batch; returns the number of items that waited.
    /// </summary>
    internal int WriteQueued()
    {
        int waiting;
        bool start;
        lock (_gate)
        {
            waiting = _count;
            start = waiting > 0 && !_writing;
            if (start)
            {
                _writing = true;
            }
        }

        if (start)
        {
            RunWriter();
        }

        return waiting;
    }

    /// <summary>What <see cref="RunAsync"/> does when the read loop ends: the session learns the connection is gone, and what was queued and not written is dropped.</summary>
    internal void CloseInProcess()
    {
        _engine.Unregister(_channel);
        _channel.OnConnectionClosed();
        RequestClose();
    }
}
