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
        bool keepGoing = ProcessFrames(ref buffer, _engine.Options.MaxPacketSize, out _, out int packets);
        _engine.Metrics.Received(available - buffer.Length);
        _engine.Metrics.PacketsReceivedInRead(packets);
        input.AdvanceTo(buffer.Start, buffer.End);
        return keepGoing;
    }

    /// <summary>Writes everything queued into the transport's output and flushes it; returns the number of items.</summary>
    internal int WriteQueued()
    {
        var output = _context.Transport.Output;
        int written = 0;
        long writtenBytes = 0;
        while (_outbound.Reader.TryRead(out var item))
        {
            written++;
            writtenBytes += item.Size;
            if (item.Kind != OutboundKind.Close)
            {
                Write(output, item);
            }
        }

        Interlocked.Add(ref _backlog, -written);
        _engine.Metrics.Sent(output.CanGetUnflushedBytes ? output.UnflushedBytes : 0, written);
        var flush = output.FlushAsync();
        if (!flush.IsCompleted)
        {
            // The in-process transport does not pause its writer; a flush that waits is a harness bug, not a state to wait in.
            throw new InvalidOperationException("The in-process output pipe applied back pressure; read it before writing more.");
        }

        flush.GetAwaiter().GetResult();
        OnBytesWritten(writtenBytes);
        return written;
    }

    /// <summary>What <see cref="RunAsync"/> does when the read loop ends: the session learns the connection is gone, and what was queued and not written is dropped.</summary>
    internal void CloseInProcess()
    {
        _engine.Unregister(_channel);
        _channel.OnConnectionClosed();
        RequestClose();
        while (_outbound.Reader.TryRead(out var unsent))
        {
            unsent.DiscardUnsent();
        }
    }
}
