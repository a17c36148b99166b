using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Tern.Broker.Transport.Epoll;

/// <summary>
/// The Linux system calls of the epoll transport, called on raw descriptors (glibc, x86-64). Kept to what the transport
/// needs: <c>epoll</c>, <c>accept4</c>, non-blocking <c>recv</c>/<c>send</c>, <c>shutdown</c>, <c>close</c>, two socket
/// options and the address of either end. Errors come back as <c>errno</c> (<see cref="Marshal.GetLastPInvokeError"/>)
/// and leave as the <see cref="SocketException"/> the runtime's sockets would throw.
/// </summary>
internal static class LinuxSockets
{
    public const int EAGAIN = 11;
    public const int EINTR = 4;
    public const uint EPOLLIN = 0x001;
    public const uint EPOLLOUT = 0x004;
    public const uint EPOLLERR = 0x008;
    public const uint EPOLLHUP = 0x010;
    public const uint EPOLLRDHUP = 0x2000;
    public const uint EPOLLET = 1u << 31;

    private const string Libc = "libc";
    private const int EPOLL_CLOEXEC = 0x80000;
    private const int EPOLL_CTL_ADD = 1;
    private const int SOCK_NONBLOCK = 0x800;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int MSG_DONTWAIT = 0x40;
    private const int MSG_NOSIGNAL = 0x4000;
    private const int IPPROTO_TCP = 6;
    private const int TCP_NODELAY = 1;
    private const nuint FIONREAD = 0x541B;
    private const ushort AF_INET = 2;
    private const ushort AF_INET6 = 10;

    /// <summary>Room for a <c>sockaddr_in6</c>, the larger of the two address structures.</summary>
    public const int AddressBufferSize = 28;

    /// <summary>
    /// True where this transport runs: Linux on x86-64, where <c>struct epoll_event</c> is packed into 12 bytes (on other
    /// architectures it is 16 and the runtime's sockets are used instead).
    /// </summary>
    public static bool IsSupported { get; } =
        OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64 && Probe();

    /// <summary>One entry of <c>epoll_wait</c>'s output, laid out as the x86-64 kernel's packed structure.</summary>
    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    public struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    public static int CreateEpoll()
    {
        int fd = epoll_create1(EPOLL_CLOEXEC);
        return fd >= 0 ? fd : throw Error(Marshal.GetLastPInvokeError());
    }

    /// <summary>Registers <paramref name="fd"/> once, edge-triggered, for reading, writing and the peer's close.</summary>
    public static int AddEdgeTriggered(int epoll, int fd, ulong key)
    {
        var registration = new EpollEvent { Events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, Data = key };
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, ref registration) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>Waits (blocking, no timeout) for events; returns their count, or −errno.</summary>
    public static int Wait(int epoll, EpollEvent[] events)
    {
        int n = epoll_wait(epoll, events, events.Length, -1);
        return n >= 0 ? n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>
    /// Accepts one connection on a blocking listening descriptor; the new descriptor is non-blocking and close-on-exec.
    /// Returns it, or −errno; <paramref name="address"/> receives the peer's <c>sockaddr</c>.
    /// </summary>
    public static int Accept(int listening, Span<byte> address, out int addressLength)
    {
        addressLength = address.Length;
        int fd = accept4(listening, ref MemoryMarshal.GetReference(address), ref addressLength, SOCK_NONBLOCK | SOCK_CLOEXEC);
        addressLength = Math.Min(addressLength, address.Length);
        return fd >= 0 ? fd : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Non-blocking receive: bytes read (0 at the end of the stream), or −errno.</summary>
    public static int Receive(int fd, Span<byte> buffer)
    {
        nint n = recv(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, MSG_DONTWAIT);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Non-blocking send without SIGPIPE: bytes the kernel took, or −errno.</summary>
    public static int Send(int fd, ReadOnlySpan<byte> buffer)
    {
        nint n = send(fd, ref MemoryMarshal.GetReference(buffer), buffer.Length, MSG_DONTWAIT | MSG_NOSIGNAL);
        return n >= 0 ? (int)n : -Marshal.GetLastPInvokeError();
    }

    /// <summary>Bytes waiting to be read, or 0 when that cannot be told.</summary>
    public static int Available(int fd) => ioctl(fd, FIONREAD, out int available) == 0 ? available : 0;

    public static int Shutdown(int fd, SocketShutdown how) => shutdown(fd, (int)how) == 0 ? 0 : Marshal.GetLastPInvokeError();

    public static void Close(int fd) => close(fd);

    public static void SetNoDelay(int fd)
    {
        int on = 1;
        _ = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, ref on, sizeof(int));
    }

    /// <summary>The local address of <paramref name="fd"/>, or null.</summary>
    public static EndPoint? LocalEndPoint(int fd)
    {
        Span<byte> address = stackalloc byte[AddressBufferSize];
        int length = address.Length;
        return getsockname(fd, ref MemoryMarshal.GetReference(address), ref length) == 0 ? ToEndPoint(address[..length]) : null;
    }

    /// <summary>Reads a <c>sockaddr_in</c> or <c>sockaddr_in6</c> (as the runtime does, a dual-mode listener reports IPv4
    /// peers as IPv4-mapped IPv6 addresses).</summary>
    public static IPEndPoint? ToEndPoint(ReadOnlySpan<byte> address)
    {
        if (address.Length < 8)
        {
            return null;
        }

        ushort family = MemoryMarshal.Read<ushort>(address);
        int port = (address[2] << 8) | address[3];
        if (family == AF_INET)
        {
            return new IPEndPoint(new IPAddress(address.Slice(4, 4)), port);
        }

        if (family == AF_INET6 && address.Length >= AddressBufferSize)
        {
            uint scope = MemoryMarshal.Read<uint>(address[24..]);
            return new IPEndPoint(new IPAddress(address.Slice(8, 16), scope), port);
        }

        return null;
    }

    /// <summary>The exception the runtime's sockets throw for <paramref name="errno"/>.</summary>
    public static SocketException Error(int errno)
    {
        var error = errno switch
        {
            104 => SocketError.ConnectionReset,       // ECONNRESET
            32 => SocketError.Shutdown,               // EPIPE
            103 => SocketError.ConnectionAborted,     // ECONNABORTED
            110 => SocketError.TimedOut,              // ETIMEDOUT
            107 => SocketError.NotConnected,          // ENOTCONN
            113 => SocketError.HostUnreachable,       // EHOSTUNREACH
            101 => SocketError.NetworkUnreachable,    // ENETUNREACH
            9 or 88 => SocketError.NotSocket,         // EBADF, ENOTSOCK
            24 or 23 => SocketError.TooManyOpenSockets, // EMFILE, ENFILE
            105 or 12 => SocketError.NoBufferSpaceAvailable, // ENOBUFS, ENOMEM
            22 => SocketError.InvalidArgument,        // EINVAL
            EAGAIN => SocketError.WouldBlock,
            EINTR => SocketError.Interrupted,
            _ => SocketError.SocketError,
        };
        return new SocketException((int)error, $"{Marshal.GetPInvokeErrorMessage(errno)} (errno {errno})");
    }

    private static bool Probe()
    {
        try
        {
            int fd = epoll_create1(EPOLL_CLOEXEC);
            if (fd < 0)
            {
                return false;
            }

            close(fd);
            return Marshal.SizeOf<EpollEvent>() == 12;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport(Libc, SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport(Libc, SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [DllImport(Libc, SetLastError = true)]
    private static extern int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxevents, int timeout);

    [DllImport(Libc, SetLastError = true)]
    private static extern int accept4(int sockfd, ref byte addr, ref int addrlen, int flags);

    [DllImport(Libc, SetLastError = true)]
    private static extern nint recv(int sockfd, ref byte buf, nint len, int flags);

    [DllImport(Libc, SetLastError = true)]
    private static extern nint send(int sockfd, ref byte buf, nint len, int flags);

    [DllImport(Libc, SetLastError = true)]
    private static extern int ioctl(int fd, nuint request, out int value);

    [DllImport(Libc, SetLastError = true)]
    private static extern int shutdown(int sockfd, int how);

    [DllImport(Libc, SetLastError = true)]
    private static extern int close(int fd);

    [DllImport(Libc, SetLastError = true)]
    private static extern int setsockopt(int sockfd, int level, int optname, ref int optval, int optlen);

    [DllImport(Libc, SetLastError = true)]
    private static extern int getsockname(int sockfd, ref byte addr, ref int addrlen);
}
