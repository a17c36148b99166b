using System.Net;
using System.Net.Sockets;

namespace Tern.Broker.Transport;

/// <summary>
/// One accepted, non-blocking TCP socket as the socket transport's reader, writer and connection use it. Two engines
/// carry it: <see cref="Epoll.EpollSocket"/> (Linux x86-64: Tern's own <c>epoll</c> loop on the raw descriptor) and
/// <see cref="RuntimeStreamSocket"/> (elsewhere: the runtime's <see cref="Socket"/>). Errors are the runtime's:
/// <see cref="SocketException"/>, and <see cref="ObjectDisposedException"/> once the socket is closed.
/// </summary>
internal abstract class StreamSocket
{
    /// <summary>The peer's address, known from the accept; null when it could not be read.</summary>
    public abstract EndPoint? RemoteEndPoint { get; }

    /// <summary>This end's address, or null once closed.</summary>
    public abstract EndPoint? LocalEndPoint { get; }

    /// <summary>Bytes the kernel holds for reading (0 when that cannot be told).</summary>
    public abstract int Available { get; }

    /// <summary>
    /// Receives into <paramref name="buffer"/>, waiting until at least one byte or the end of the stream is there (0).
    /// An empty buffer waits for data without reading it (a zero-byte receive).
    /// </summary>
    public abstract ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Sends what the kernel takes now without waiting; <see cref="SocketError.WouldBlock"/> when it takes nothing.</summary>
    public abstract int Send(ReadOnlySpan<byte> buffer, out SocketError error);

    /// <summary>
    /// Sends from <paramref name="buffer"/>, waiting for room in the kernel's send buffer as needed; returns the bytes
    /// sent (at least one; callers loop until all is sent).
    /// </summary>
    public abstract ValueTask<int> SendAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default);

    /// <summary>Shuts one or both directions down; a pending receive or send then ends.</summary>
    public abstract void Shutdown(SocketShutdown how);

    /// <summary>Closes the socket (once every call in progress on it has returned).</summary>
    public abstract void Close();
}
