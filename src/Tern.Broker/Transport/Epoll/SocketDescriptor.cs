using System.Runtime.InteropServices;

namespace Tern.Broker.Transport.Epoll;

/// <summary>
/// An accepted socket's descriptor, closed once: every system call on it holds a reference
/// (<see cref="SafeHandle.DangerousAddRef"/>), so a close from another thread waits until the call returned and the
/// number can never reach a connection accepted later that was given the same number.
/// </summary>
internal sealed class SocketDescriptor : SafeHandle
{
    public SocketDescriptor(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    /// <inheritdoc/>
    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>The descriptor's number; valid only while a reference is held.</summary>
    public int Number => (int)handle.ToInt64();

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        LinuxSockets.Close(Number);
        return true;
    }
}
