using System.Net;
using System.Net.Sockets;

namespace Tern.Broker.Transport;

/// <summary>
/// <see cref="StreamSocket"/> over the runtime's <see cref="Socket"/>: the socket transport's engine where Tern's own
/// <c>epoll</c> loop does not run (not Linux x86-64). The socket is put in non-blocking mode so that
/// <see cref="Send"/> never parks a thread; asynchronous receives and sends are the runtime's.
/// </summary>
internal sealed class RuntimeStreamSocket : StreamSocket
{
    private readonly Socket _socket;

    public RuntimeStreamSocket(Socket socket)
    {
        _socket = socket;
        socket.Blocking = false;
        RemoteEndPoint = SafeRemoteEndPoint(socket);
    }

    /// <inheritdoc/>
    public override EndPoint? RemoteEndPoint { get; }

    /// <inheritdoc/>
    public override EndPoint? LocalEndPoint
    {
        get
        {
            try
            {
                return _socket.LocalEndPoint;
            }
            catch (ObjectDisposedException)
            {
                return null;
            }
        }
    }

    /// <inheritdoc/>
    public override int Available => _socket.Available;

    /// <inheritdoc/>
    public override ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);

    /// <inheritdoc/>
    public override int Send(ReadOnlySpan<byte> buffer, out SocketError error) => _socket.Send(buffer, SocketFlags.None, out error);

    /// <inheritdoc/>
    public override ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        _socket.SendAsync(buffer, SocketFlags.None, cancellationToken);

    /// <inheritdoc/>
    public override void Shutdown(SocketShutdown how) => _socket.Shutdown(how);

    /// <inheritdoc/>
    public override void Close() => _socket.Dispose();

    private static EndPoint? SafeRemoteEndPoint(Socket socket)
    {
        try
        {
            return socket.RemoteEndPoint;
        }
        catch (SocketException)
        {
            return null;
        }
    }
}
