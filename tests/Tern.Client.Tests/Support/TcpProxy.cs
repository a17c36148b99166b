using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Tern.Protocol.Framing;
using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>
/// A loopback TCP proxy between a client under test and a broker: forwards bytes both ways, records every packet the
/// client sends (framed with the codec's <see cref="FrameScanner"/>), can withhold the broker's bytes (so QoS 1/2
/// acknowledgements never arrive), and can cut every connection mid-stream (a reset, no DISCONNECT).
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Broker)> _pairs = new();
    private readonly Channel<byte[]> _clientPackets = Channel.CreateUnbounded<byte[]>();
    private readonly Task _acceptLoop;
    private int _nextPair;

    private TcpProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The port clients connect to.</summary>
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>While true, bytes from the broker are dropped instead of forwarded.</summary>
    public bool HoldBrokerBytes { get; set; }

    /// <summary>While true, new connections are accepted and closed at once (a broker that is down).</summary>
    public bool RefuseConnections { get; set; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _nextPair);

    public static TcpProxy To(int targetPort) => new(targetPort);

    /// <summary>Resets every open connection, both sides.</summary>
    public void CutAll()
    {
        foreach (var (key, pair) in _pairs)
        {
            Abort(pair.Client);
            Abort(pair.Broker);
            _pairs.TryRemove(key, out _);
        }
    }

    /// <summary>Reads the client's packets (each whole, fixed header included) until one matches; earlier ones are consumed.</summary>
    public async Task<byte[]> ExpectClientPacketAsync(Func<byte[], bool> match, string description, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                byte[] packet = await _clientPackets.Reader.ReadAsync(deadline.Token);
                if (match(packet))
                {
                    return packet;
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new ExpectationFailedException($"The client sent no {description} within {timeout.TotalSeconds} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _acceptLoop;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private static void Abort(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptSocketAsync(_stop.Token);
            if (RefuseConnections)
            {
                Abort(client);
                continue;
            }

            var broker = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await broker.ConnectAsync(IPAddress.Loopback, _targetPort, _stop.Token);
            }
            catch (SocketException)
            {
                Abort(client);
                broker.Dispose();
                continue;
            }

            int key = Interlocked.Increment(ref _nextPair);
            _pairs[key] = (client, broker);
            _ = Task.Run(() => PumpAsync(client, broker, fromClient: true, key));
            _ = Task.Run(() => PumpAsync(broker, client, fromClient: false, key));
        }
    }

    private async Task PumpAsync(Socket from, Socket to, bool fromClient, int key)
    {
        var buffer = new byte[16 * 1024];
        var pending = new List<byte>();
        try
        {
            while (true)
            {
                int read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                if (fromClient)
                {
                    Record(pending, buffer.AsSpan(0, read));
                }
                else if (HoldBrokerBytes)
                {
                    continue;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or OperationCanceledException)
        {
        }

        if (_pairs.TryRemove(key, out var pair))
        {
            Abort(pair.Client);
            Abort(pair.Broker);
        }
    }

    private void Record(List<byte> pending, ReadOnlySpan<byte> bytes)
    {
        pending.AddRange(bytes);
        while (true)
        {
            byte[] data = [.. pending];
            if (FrameScanner.TryScan(data, int.MaxValue, out var header, out _) != Tern.Protocol.Framing.FrameStatus.Complete)
            {
                return;
            }

            _clientPackets.Writer.TryWrite(data[..header.TotalLength]);
            pending.RemoveRange(0, header.TotalLength);
        }
    }
}
