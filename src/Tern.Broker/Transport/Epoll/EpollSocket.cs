using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace Tern.Broker.Transport.Epoll;

/// <summary>
/// <see cref="StreamSocket"/> on a raw descriptor registered with <see cref="EpollLoop"/>: reads and writes are
/// non-blocking system calls made by the caller's thread; only a caller that found nothing to read (or no room to
/// write) waits, on this object itself, until the loop reports the descriptor ready. An idle connection is this object
/// and its descriptor handle; none of the runtime's socket objects (<see cref="Socket"/>, its asynchronous context,
/// event arguments and pending operation, about 700 bytes) exist for it.
/// </summary>
/// <remarks>
/// <para>Readiness is edge-triggered, so each direction keeps a state: <c>Idle</c> (the last call found the kernel's
/// buffer drained, or full), <c>Waiting</c> (a caller is parked) or <c>Notified</c> (an edge came since). A caller sets
/// <c>Idle</c> before each attempt and parks only by moving <c>Idle</c> to <c>Waiting</c>; an edge moves any state to
/// <c>Notified</c> and, when it replaced <c>Waiting</c>, queues the parked caller's continuation to the thread pool. So
/// an edge between the attempt and the park is never lost, and the loop's thread never runs connection code.</para>
/// <para>Like the runtime's sockets, the socket is closed by <see cref="Close"/> only once every system call in
/// progress on it has returned (<see cref="SocketDescriptor"/>), and a call after the close throws
/// <see cref="ObjectDisposedException"/>.</para>
/// </remarks>
internal sealed partial class EpollSocket : StreamSocket, IValueTaskSource<int>, IThreadPoolWorkItem
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Notified = 2;
    private const uint EndEvents = LinuxSockets.EPOLLRDHUP | LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR;
    private const uint ReadEvents = LinuxSockets.EPOLLIN | EndEvents;
    private const uint WriteEvents = LinuxSockets.EPOLLOUT | LinuxSockets.EPOLLHUP | LinuxSockets.EPOLLERR;

    private readonly SocketDescriptor _descriptor;
    private ManualResetValueTaskSourceCore<int> _readWait;
    private WriteWaiter? _writeWaiter;
    private int _readState;
    private int _writeState;
    private bool _readEnded;

    private EpollSocket(SocketDescriptor descriptor, EndPoint? remoteEndPoint)
    {
        _descriptor = descriptor;
        RemoteEndPoint = remoteEndPoint;
    }

    /// <summary>The socket's key in <see cref="EpollLoop"/>: its slot and a generation.</summary>
    internal ulong Key { get; set; }

    /// <inheritdoc/>
    public override EndPoint? RemoteEndPoint { get; }

    /// <inheritdoc/>
    public override EndPoint? LocalEndPoint
    {
        get
        {
            bool added = false;
            try
            {
                _descriptor.DangerousAddRef(ref added);
                return LinuxSockets.LocalEndPoint(_descriptor.Number);
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
            finally
            {
                if (added)
                {
                    _descriptor.DangerousRelease();
                }
            }
        }
    }

    /// <inheritdoc/>
    public override int Available
    {
        get
        {
            bool added = false;
            try
            {
                _descriptor.DangerousAddRef(ref added);
                return LinuxSockets.Available(_descriptor.Number);
            }
            finally
            {
                if (added)
                {
                    _descriptor.DangerousRelease();
                }
            }
        }
    }

    /// <summary>
    /// Takes an accepted, non-blocking descriptor: TCP_NODELAY (MQTT packets are small and answered at once), then the
    /// registration with the process's <see cref="EpollLoop"/>. On failure the descriptor is closed and the errno returned.
    /// </summary>
    public static int TryCreate(int fd, EndPoint? remoteEndPoint, out EpollSocket? socket)
    {
        var descriptor = new SocketDescriptor(fd);
        LinuxSockets.SetNoDelay(fd);
        var created = new EpollSocket(descriptor, remoteEndPoint);
        int error = EpollLoop.Shared.Register(created, fd);
        if (error != 0)
        {
            descriptor.Dispose();
            socket = null;
            return error;
        }

        socket = created;
        return 0;
    }

    /// <inheritdoc/>
    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }

        if (buffer.IsEmpty)
        {
            if (cancellationToken.CanBeCanceled)
            {
                return WaitReadableAsync(cancellationToken);
            }

            // The idle wait: an edge already noted (or data left behind by a full read) completes it at once.
            return TryParkReader(out var wait) ? wait : new ValueTask<int>(0);
        }

        int received = TryReceive(buffer.Span);
        return received >= 0 ? new ValueTask<int>(received) : ReceiveWaitingAsync(buffer, cancellationToken);
    }

    /// <inheritdoc/>
    public override int Send(ReadOnlySpan<byte> buffer, out SocketError error)
    {
        int sent = Call(buffer, static (fd, span) => LinuxSockets.Send(fd, span));
        if (sent >= 0)
        {
            error = SocketError.Success;
            return sent;
        }

        error = sent == -LinuxSockets.EAGAIN ? SocketError.WouldBlock : LinuxSockets.Error(-sent).SocketErrorCode;
        return 0;
    }

    /// <inheritdoc/>
    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        SendWaitingAsync(buffer, cancellationToken);

    /// <inheritdoc/>
    public override void Shutdown(SocketShutdown how)
    {
        int error;
        bool added = false;
        try
        {
            _descriptor.DangerousAddRef(ref added);
            error = LinuxSockets.Shutdown(_descriptor.Number, how);
        }
        finally
        {
            if (added)
            {
                _descriptor.DangerousRelease();
            }
        }

        // The kernel reports the shutdown to epoll too; waking here does not depend on it.
        if (how != SocketShutdown.Send)
        {
            Volatile.Write(ref _readEnded, true);
        }

        WakeReader();
        WakeWriter();
        if (error != 0)
        {
            throw LinuxSockets.Error(error);
        }
    }

    /// <inheritdoc/>
    public override void Close()
    {
        EpollLoop.Shared.Unregister(this);
        _descriptor.Dispose();

        // A caller still parked finds the socket closed when it tries again (ObjectDisposedException).
        WakeReader();
        WakeWriter();
    }

    /// <summary>Called by the loop's thread with the events of one edge.</summary>
    internal void OnEvents(uint events)
    {
        if ((events & ReadEvents) != 0)
        {
            if ((events & EndEvents) != 0)
            {
                // The peer's FIN or an error is no byte a short read would have drained: reading stays ready for good.
                Volatile.Write(ref _readEnded, true);
            }

            WakeReader();
        }

        if ((events & WriteEvents) != 0)
        {
            WakeWriter();
        }
    }

    /// <inheritdoc/>
    void IThreadPoolWorkItem.Execute() => _readWait.SetResult(0);

    /// <inheritdoc/>
    int IValueTaskSource<int>.GetResult(short token) => _readWait.GetResult(token);

    /// <inheritdoc/>
    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _readWait.GetStatus(token);

    /// <inheritdoc/>
    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _readWait.OnCompleted(continuation, state, token, flags);

    private void WakeReader()
    {
        if (Volatile.Read(ref _readState) != Notified && Interlocked.Exchange(ref _readState, Notified) == Waiting)
        {
            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
        }
    }

    private void WakeWriter()
    {
        if (Volatile.Read(ref _writeState) != Notified && Interlocked.Exchange(ref _writeState, Notified) == Waiting)
        {
            ThreadPool.UnsafeQueueUserWorkItem(_writeWaiter!, preferLocal: false);
        }
    }

    /// <summary>Parks the reader unless an edge came since the last attempt; true and the wait when parked.</summary>
    private bool TryParkReader(out ValueTask<int> wait)
    {
        _readWait.Reset();
        if (!Volatile.Read(ref _readEnded) && Interlocked.CompareExchange(ref _readState, Waiting, Idle) == Idle)
        {
            wait = new ValueTask<int>(this, _readWait.Version);
            return true;
        }

        wait = default;
        return false;
    }

    /// <summary>One non-blocking receive: the bytes (0 at the end of the stream), or −1 when there is nothing yet.</summary>
    private int TryReceive(Span<byte> buffer)
    {
        while (true)
        {
            // Idle before the attempt: an edge from now on is noted, so a park after EAGAIN cannot miss it.
            Volatile.Write(ref _readState, Idle);
            int received = Call(buffer, static (fd, span) => LinuxSockets.Receive(fd, span));
            if (received >= 0)
            {
                if (received == buffer.Length)
                {
                    // The buffer filled: more may wait, and no new edge would come for it.
                    Volatile.Write(ref _readState, Notified);
                }

                return received;
            }

            if (received == -LinuxSockets.EAGAIN)
            {
                return -1;
            }

            if (received != -LinuxSockets.EINTR)
            {
                throw LinuxSockets.Error(-received);
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> ReceiveWaitingAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((EpollSocket)state!).WakeReader(), this)
            : default;
        while (true)
        {
            if (TryParkReader(out var wait))
            {
                await wait.ConfigureAwait(false);
            }

            cancellationToken.ThrowIfCancellationRequested();
            int received = TryReceive(buffer.Span);
            if (received >= 0)
            {
                return received;
            }
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> WaitReadableAsync(CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.UnsafeRegister(static state => ((EpollSocket)state!).WakeReader(), this);
        if (TryParkReader(out var wait))
        {
            await wait.ConfigureAwait(false);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return 0;
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<int> SendWaitingAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        var waiter = _writeWaiter ??= new WriteWaiter();
        using var registration = cancellationToken.CanBeCanceled
            ? cancellationToken.UnsafeRegister(static state => ((EpollSocket)state!).WakeWriter(), this)
            : default;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Volatile.Write(ref _writeState, Idle);
            int sent = Call(buffer.Span, static (fd, span) => LinuxSockets.Send(fd, span));
            if (sent >= 0)
            {
                return sent;
            }

            if (sent == -LinuxSockets.EINTR)
            {
                continue;
            }

            if (sent != -LinuxSockets.EAGAIN)
            {
                throw LinuxSockets.Error(-sent);
            }

            waiter.Core.Reset();
            if (Interlocked.CompareExchange(ref _writeState, Waiting, Idle) == Idle)
            {
                await new ValueTask<int>(waiter, waiter.Core.Version).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A system call on the descriptor, holding a reference so that a concurrent close waits for it.</summary>
    private int Call<TSpan>(TSpan span, SpanCall<TSpan> call)
        where TSpan : allows ref struct
    {
        bool added = false;
        try
        {
            _descriptor.DangerousAddRef(ref added);
            return call(_descriptor.Number, span);
        }
        finally
        {
            if (added)
            {
                _descriptor.DangerousRelease();
            }
        }
    }

    private delegate int SpanCall<TSpan>(int fd, TSpan span)
        where TSpan : allows ref struct;

    /// <summary>The parked writer's wait: created at the first send that found the kernel's buffer full.</summary>
    private sealed class WriteWaiter : IValueTaskSource<int>, IThreadPoolWorkItem
    {
        public ManualResetValueTaskSourceCore<int> Core;

        void IThreadPoolWorkItem.Execute() => Core.SetResult(0);

        int IValueTaskSource<int>.GetResult(short token) => Core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => Core.GetStatus(token);

        void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
