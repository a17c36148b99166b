using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Tern.Broker.Transport;

/// <summary>
/// The input side of a <see cref="SocketConnection"/>: a <see cref="PipeReader"/> over one pooled array that exists only
/// while unconsumed bytes do. An idle connection waits with a zero-byte receive (as Kestrel does), so it holds no
/// buffer; when data arrives an array sized by what the kernel holds is rented, and it goes back to the pool as soon as
/// everything in it is consumed. A packet that straddles receives stays in the one array (compacted or grown), so the
/// reader hands out a single segment and the connection never copies a packet to parse it.
/// </summary>
/// <remarks>
/// <para><see cref="CancelPendingRead"/> ends reading for good: the connection calls it only when it closes, so it shuts
/// the socket's receive side down (which wakes a pending receive or wait) instead of keeping a cancellation token per
/// connection.</para>
/// <para>The connection's read loop waits for data through <see cref="WaitForDataAsync"/> (the socket's own zero-byte
/// receive, awaited directly) before it calls <see cref="ReadAsync"/>, which then finds the bytes there and completes
/// without suspending: an idle connection parks no state machine of this reader's.</para>
/// </remarks>
internal sealed class SocketPipeReader(StreamSocket socket) : PipeReader, Connections.IDataWaiter
{
    private const int MinimumBufferSize = 4096;
    private const int MaximumFirstBufferSize = 64 * 1024;

    private byte[]? _buffer;
    private int _start;
    private int _end;
    private int _examined;
    private bool _endOfStream;
    private bool _completed;
    private int _receiving;
    private int _cancelRequested;
    private int _waiting;

    /// <summary>Bytes held for the reader (for tests and diagnostics): 0 when idle.</summary>
    public int BufferCapacity => _buffer?.Length ?? 0;

    private ReadOnlySequence<byte> Current =>
        _buffer is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_buffer, _start, _end - _start);

    /// <inheritdoc/>
    public override bool TryRead(out ReadResult result)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (Interlocked.Exchange(ref _cancelRequested, 0) != 0)
        {
            result = new ReadResult(Current, isCanceled: true, isCompleted: _endOfStream);
            return true;
        }

        if (_end > _examined || _endOfStream)
        {
            result = new ReadResult(Current, isCanceled: false, isCompleted: _endOfStream);
            return true;
        }

        result = default;
        return false;
    }

    /// <inheritdoc/>
    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) =>
        TryRead(out var result) ? new ValueTask<ReadResult>(result) : ReceiveAsync(cancellationToken);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    /// <inheritdoc/>
    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        if (_buffer is null)
        {
            return;
        }

        // Positions of an array-backed sequence carry the array index (the top bit is a flag of ReadOnlySequence).
        int consumedIndex = consumed.GetInteger() & int.MaxValue;
        int examinedIndex = examined.GetInteger() & int.MaxValue;
        if (!ReferenceEquals(consumed.GetObject(), _buffer) || consumedIndex < _start || consumedIndex > _end || examinedIndex < consumedIndex || examinedIndex > _end)
        {
            throw new InvalidOperationException("The position is not within the last buffer returned by ReadAsync.");
        }

        _start = consumedIndex;
        _examined = examinedIndex;
        if (_start == _end)
        {
            // Everything consumed: an idle connection holds no buffer.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = _examined = 0;
        }
    }

    /// <inheritdoc/>
    public ValueTask<int> WaitForDataAsync()
    {
        if (_completed || _buffer is not null || _endOfStream || Volatile.Read(ref _cancelRequested) != 0)
        {
            return new ValueTask<int>(0);
        }

        // Marked before the receive starts, checked again after: CancelPendingRead either sees the mark (and shuts the
        // receive side down, which ends the wait) or set its flag before this check (and no wait starts).
        Volatile.Write(ref _waiting, 1);
        if (Volatile.Read(ref _cancelRequested) != 0)
        {
            return new ValueTask<int>(0);
        }

        try
        {
            // The runtime's cached receive arguments are the only state: this method does not suspend.
            return socket.ReceiveAsync(Memory<byte>.Empty);
        }
        catch (ObjectDisposedException)
        {
            // Closed meanwhile: the read that follows reports it.
            return new ValueTask<int>(0);
        }
    }

    /// <inheritdoc/>
    public Exception TranslateError(Exception error) => error switch
    {
        SocketException socketError => SocketErrors.Map(socketError),
        ObjectDisposedException disposed => SocketErrors.Aborted(disposed),
        _ => error,
    };

    /// <inheritdoc/>
    public override void CancelPendingRead()
    {
        Interlocked.Exchange(ref _cancelRequested, 1);
        if (Volatile.Read(ref _receiving) != 0 || Volatile.Read(ref _waiting) != 0)
        {
            ShutdownReceive();
        }
    }

    /// <inheritdoc/>
    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;

        // A receive still pending writes into the array: leave that one to the garbage collector.
        if (_buffer is { } buffer && Volatile.Read(ref _receiving) == 0)
        {
            _buffer = null;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> ReceiveAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _receiving, 1);
        try
        {
            if (Volatile.Read(ref _cancelRequested) == 0)
            {
                if (_buffer is null)
                {
                    // Wait for data without a buffer (unless WaitForDataAsync just did), then rent one sized by what arrived.
                    if (Interlocked.Exchange(ref _waiting, 0) == 0)
                    {
                        await socket.ReceiveAsync(Memory<byte>.Empty, cancellationToken).ConfigureAwait(false);
                    }

                    if (Volatile.Read(ref _cancelRequested) == 0)
                    {
                        int available = socket.Available;
                        _buffer = ArrayPool<byte>.Shared.Rent(Math.Clamp(available, MinimumBufferSize, MaximumFirstBufferSize));
                        _start = _end = _examined = 0;
                    }
                }
                else
                {
                    MakeRoom();
                }

                if (_buffer is not null && Volatile.Read(ref _cancelRequested) == 0)
                {
                    int received = await socket.ReceiveAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false);
                    if (received == 0)
                    {
                        _endOfStream = true;
                    }

                    _end += received;
                }
            }
        }
        catch (SocketException ex)
        {
            throw SocketErrors.Map(ex);
        }
        catch (ObjectDisposedException ex)
        {
            throw SocketErrors.Aborted(ex);
        }
        finally
        {
            Volatile.Write(ref _receiving, 0);
        }

        if (Interlocked.Exchange(ref _cancelRequested, 0) != 0)
        {
            return new ReadResult(Current, isCanceled: true, isCompleted: _endOfStream);
        }

        if (_buffer is not null && _start == _end)
        {
            // The peer closed with nothing pending: give the array back now.
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = null;
            _start = _end = _examined = 0;
        }

        return new ReadResult(Current, isCanceled: false, isCompleted: _endOfStream);
    }

    private void MakeRoom()
    {
        var buffer = _buffer!;
        int free = buffer.Length - _end;
        if (free >= MinimumBufferSize / 4)
        {
            return;
        }

        int held = _end - _start;
        if (_start > 0 && buffer.Length - held >= MinimumBufferSize / 4)
        {
            // Move the unconsumed tail (a partial packet) to the front.
            Buffer.BlockCopy(buffer, _start, buffer, 0, held);
        }
        else
        {
            // The partial packet fills the array: double it (a packet is bounded by MaxPacketSize at the framing).
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(buffer.Length * 2, held + MinimumBufferSize));
            Buffer.BlockCopy(buffer, _start, larger, 0, held);
            ArrayPool<byte>.Shared.Return(buffer);
            _buffer = larger;
        }

        _examined -= _start;
        _end = held;
        _start = 0;
    }

    private void ShutdownReceive()
    {
        try
        {
            socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed: the pending receive ends anyway.
        }
    }
}
