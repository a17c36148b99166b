using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.CompilerServices;

namespace Tern.Broker.Transport;

/// <summary>
/// The output side of a <see cref="SocketConnection"/>: packets are written into one pooled array (grown by doubling
/// while a batch is being written), <see cref="FlushAsync"/> sends it and returns it to the pool, so a connection
/// holds no output buffer between batches. Only one writer at a time, as <see cref="PipeWriter"/> requires; the
/// connection's writer role is that writer.
/// </summary>
/// <remarks>
/// A flush first tries a non-blocking <see cref="StreamSocket.Send"/> and goes asynchronous only for what the kernel's
/// send buffer cannot take at once. Either engine creates its asynchronous send state (the runtime's
/// <c>SocketAsyncEventArgs</c>, about 300 B; the epoll engine's write waiter) at the first send that has to wait and
/// keeps it for the socket's life: a connection that only ever writes small amounts (CONNACK, PINGRESP, the odd
/// PUBLISH) never allocates it.
/// </remarks>
internal sealed class SocketPipeWriter(StreamSocket socket) : PipeWriter
{
    private const int MinimumBufferSize = 4096;

    private byte[]? _buffer;
    private int _length;
    private bool _completed;
    private bool _flushing;

    /// <summary>Bytes held for the writer (for tests and diagnostics): 0 between batches.</summary>
    public int BufferCapacity => _buffer?.Length ?? 0;

    /// <inheritdoc/>
    public override bool CanGetUnflushedBytes => true;

    /// <inheritdoc/>
    public override long UnflushedBytes => _length;

    /// <inheritdoc/>
    public override void Advance(int bytes)
    {
        if ((uint)bytes > (uint)((_buffer?.Length ?? 0) - _length))
        {
            throw new ArgumentOutOfRangeException(nameof(bytes), "Advanced past the memory returned by GetMemory or GetSpan.");
        }

        _length += bytes;
    }

    /// <inheritdoc/>
    public override Memory<byte> GetMemory(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsMemory(_length);
    }

    /// <inheritdoc/>
    public override Span<byte> GetSpan(int sizeHint = 0)
    {
        EnsureRoom(sizeHint);
        return _buffer.AsSpan(_length);
    }

    /// <inheritdoc/>
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_length == 0)
        {
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        int sent = SendWithoutWaiting();
        if (sent == _length)
        {
            ReleaseBuffer();
            return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: false));
        }

        return SendAsync(sent, cancellationToken);
    }

    /// <inheritdoc/>
    public override void CancelPendingFlush()
    {
        // Nothing waits on this writer except the socket send itself, which ends when the connection is aborted.
    }

    /// <inheritdoc/>
    public override void Complete(Exception? exception = null)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        if (!_flushing && _buffer is { } buffer)
        {
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void EnsureRoom(int sizeHint)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        sizeHint = Math.Max(sizeHint, 1);
        if (_buffer is null)
        {
            _buffer = ArrayPool<byte>.Shared.Rent(Math.Max(sizeHint, MinimumBufferSize));
            return;
        }

        if (_buffer.Length - _length < sizeHint)
        {
            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _length + sizeHint));
            Buffer.BlockCopy(_buffer, 0, larger, 0, _length);
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = larger;
        }
    }

    /// <summary>Sends what the kernel takes now; returns the bytes sent (fewer than buffered when its buffer is full).</summary>
    private int SendWithoutWaiting()
    {
        var buffer = _buffer!;
        int sent = 0;
        try
        {
            while (sent < _length)
            {
                int n = socket.Send(buffer.AsSpan(sent, _length - sent), out var error);
                if (error == SocketError.WouldBlock)
                {
                    return sent;
                }

                if (error != SocketError.Success)
                {
                    ReleaseBuffer();
                    throw SocketErrors.Map(new SocketException((int)error));
                }

                sent += n;
            }
        }
        catch (ObjectDisposedException ex)
        {
            ReleaseBuffer();
            throw SocketErrors.Aborted(ex);
        }

        return sent;
    }

    private void ReleaseBuffer()
    {
        if (_buffer is { } buffer)
        {
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<FlushResult> SendAsync(int sent, CancellationToken cancellationToken)
    {
        var buffer = _buffer!;
        int length = _length;
        _flushing = true;
        try
        {
            while (sent < length)
            {
                sent += await socket.SendAsync(buffer.AsMemory(sent, length - sent), cancellationToken).ConfigureAwait(false);
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
            _flushing = false;
            _buffer = null;
            _length = 0;
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return new FlushResult(isCanceled: false, isCompleted: false);
    }
}
