using System.Net;
using System.Net.Sockets;

namespace Tern.Broker.Tests.Transport;

/// <summary>A bare TCP client for the socket transport's tests: writes exactly the bytes asked for, reads whole frames.</summary>
internal sealed class SocketClient : IDisposable
{
    private SocketClient(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    public static async Task<SocketClient> ConnectAsync(IPEndPoint endPoint)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await socket.ConnectAsync(endPoint, timeout.Token);
        return new SocketClient(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!bytes.IsEmpty)
        {
            int sent = await Socket.SendAsync(bytes, SocketFlags.None, timeout.Token);
            bytes = bytes[sent..];
        }
    }

    /// <summary>Reads one MQTT frame (fixed header included); null when the broker closed the connection first.</summary>
    public async Task<byte[]?> ReadFrameAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var header = new List<byte>();
        var one = new byte[1];
        if (!await ReadExactlyAsync(one, cancel.Token))
        {
            return null;
        }

        header.Add(one[0]);
        int length = 0;
        int shift = 0;
        do
        {
            if (!await ReadExactlyAsync(one, cancel.Token))
            {
                return null;
            }

            header.Add(one[0]);
            length |= (one[0] & 0x7F) << shift;
            shift += 7;
        }
        while ((one[0] & 0x80) != 0);

        var frame = new byte[header.Count + length];
        header.CopyTo(frame);
        return await ReadExactlyAsync(frame.AsMemory(header.Count), cancel.Token) ? frame : null;
    }

    /// <summary>True when the broker closed the connection (end of stream or reset) within <paramref name="timeout"/>.</summary>
    public async Task<bool> IsClosedAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var buffer = new byte[256];
        try
        {
            while (true)
            {
                if (await Socket.ReceiveAsync(buffer, SocketFlags.None, cancel.Token) == 0)
                {
                    return true;
                }
            }
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Closes with a TCP reset instead of a FIN.</summary>
    public void Reset()
    {
        Socket.LingerState = new LingerOption(true, 0);
        Socket.Close();
    }

    public void Dispose() => Socket.Dispose();

    private async Task<bool> ReadExactlyAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        while (!buffer.IsEmpty)
        {
            int read = await Socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken);
            if (read == 0)
            {
                return false;
            }

            buffer = buffer[read..];
        }

        return true;
    }
}
