using System.Net.Sockets;
using Tern.Broker.Diagnostics;
using Tern.Broker.Transport.Epoll;

namespace Tern.Broker.Transport;

/// <summary>
/// The accept loops. With Tern's own <c>epoll</c> engine (Linux x86-64, unless <c>TERN_EPOLL=0</c> or the listener asks
/// for the runtime's sockets) a dedicated thread makes blocking <c>accept4</c> calls, each returning a non-blocking
/// descriptor that goes straight to an <see cref="EpollSocket"/>; otherwise an async loop on
/// <see cref="Socket.AcceptAsync()"/>. Both treat accept errors alike: a client that gave up is skipped; running out of
/// descriptors, buffers or memory is logged at most once a minute (event 3010, recovery 3011) and retried after a
/// back-off of 10 ms doubling to 1 s, while open connections are served.
/// </summary>
internal sealed partial class SocketListener
{
    private static readonly bool s_epollDisabled = Environment.GetEnvironmentVariable("TERN_EPOLL") == "0";

    private readonly ManualResetEventSlim _stopSignal = new();
    private bool _acceptsOnThread;

    /// <summary>Whether this listener's connections are carried by Tern's own epoll engine.</summary>
    internal bool UsesEpoll => LinuxSockets.IsSupported && !s_epollDisabled && !_options.UseRuntimeSockets;

    /// <summary>Starts accepting.</summary>
    public void Start()
    {
        var listening = _socket ?? throw new InvalidOperationException("Bind first.");
        if (!UsesEpoll)
        {
            _accepting = AcceptLoopAsync(listening);
            return;
        }

        // Blocking in the kernel's eyes: the accept thread sleeps in accept4, and CloseListening wakes it.
        listening.Blocking = true;
        _acceptsOnThread = true;
        var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _accepting = ended.Task;
        var thread = new Thread(() => AcceptOnThread(listening, ended))
        {
            IsBackground = true,
            Name = "Tern accept " + _options.DisplayName,
        };
        thread.UnsafeStart();
    }

    /// <summary>Ends accepting and closes the listening socket; the accept loop ends soon after.</summary>
    private void CloseListening()
    {
        if (_acceptsOnThread && _socket is { } socket)
        {
            // A shutdown wakes a thread blocked in accept4 (EINVAL); a close alone would not.
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // Closed already, or a listening socket the kernel reports as not connected: the close below ends it.
            }

            _stopSignal.Set();
        }

        _socket?.Dispose();
    }

    private void AcceptOnThread(Socket listening, TaskCompletionSource ended)
    {
        var handle = listening.SafeHandle;
        bool added = false;
        var backoff = new AcceptBackoff(_engine.Logger, _options.DisplayName, TimeProvider.System);
        Span<byte> address = stackalloc byte[LinuxSockets.AddressBufferSize];
        try
        {
            // Held for the thread's life: the descriptor's number cannot be reused while accept4 may still be called on it.
            handle.DangerousAddRef(ref added);
            int listeningFd = (int)handle.DangerousGetHandle();
            while (!Volatile.Read(ref _stopping))
            {
                int fd = LinuxSockets.Accept(listeningFd, address, out int addressLength);
                if (fd < 0)
                {
                    int errno = -fd;
                    if (Volatile.Read(ref _stopping))
                    {
                        return;
                    }

                    // EINTR; ECONNABORTED: the client gave up between its SYN and our accept.
                    if (errno is LinuxSockets.EINTR or 103)
                    {
                        continue;
                    }

                    // Wall-clock time: this is the operating system's state, not protocol timing.
                    _stopSignal.Wait(backoff.Failed(LinuxSockets.Error(errno).Message));
                    continue;
                }

                backoff.Succeeded();
                AdmitDescriptor(fd, address[..addressLength]);
            }
        }
        catch (ObjectDisposedException)
        {
            // Closed before the thread started.
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }

            ended.TrySetResult();
        }
    }

    private void AdmitDescriptor(int fd, ReadOnlySpan<byte> address)
    {
        var remote = LinuxSockets.ToEndPoint(address);
        if (!_engine.Limits.TryAdmit(_options, remote))
        {
            LinuxSockets.Close(fd);
            return;
        }

        if (EpollSocket.TryCreate(fd, remote, out var socket) != 0)
        {
            // epoll_ctl refused it (ENOMEM, or the user's epoll watch limit): closed, like a connection over the limits.
            _engine.Limits.Release(_options);
            return;
        }

        RunAdmitted(socket!);
    }

    private async Task AcceptLoopAsync(Socket listening)
    {
        var backoff = new AcceptBackoff(_engine.Logger, _options.DisplayName, TimeProvider.System);
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await listening.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is ObjectDisposedException || (ex is SocketException && Volatile.Read(ref _stopping)))
            {
                return;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionAborted or SocketError.ConnectionReset)
            {
                // The client gave up between its SYN and our accept: nothing to serve, nothing to back off from.
                continue;
            }
            catch (Exception ex) when (ex is SocketException or IOException or OutOfMemoryException or InvalidOperationException)
            {
                // Wall-clock time: this is the operating system's state, not protocol timing (tests may fake the clock).
                await Task.Delay(backoff.Failed(ex.Message), TimeProvider.System).ConfigureAwait(false);
                continue;
            }

            backoff.Succeeded();
            try
            {
                accepted.NoDelay = true;
            }
            catch (SocketException)
            {
                // Reset before we got to it: the first receive reports it.
            }

            Admit(new RuntimeStreamSocket(accepted));
        }
    }
}
