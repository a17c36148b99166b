using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Tern.Protocol.Framing;

namespace Tern.TestKit;

/// <summary>
/// A loopback TCP proxy between a client under test and a broker: forwards bytes both ways, records every packet the
/// client sends (framed with the codec's <see cref="FrameScanner"/>), can withhold the broker's bytes (so QoS 1/2
/// acknowledgements never arrive) or drop chosen broker packets, can refuse new connections (a broker that is down),
/// and can cut every connection mid-stream (a reset, no DISCONNECT).
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<int, (Socket Client, Socket Broker)> _pairs = new();
    private readonly Channel<byte[]> _clientPackets = Channel.CreateUnbounded<byte[]>();
    private readonly ConcurrentQueue<byte[]> _clientPacketLog = new();
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

    /// <summary>
    /// Broker packets (whole, fixed header included) for which this returns true are dropped, e.g. every PUBCOMP so a
    /// QoS 2 exchange stays open after PUBREC. Null (default): every packet is forwarded. Set it before connecting.
    /// </summary>
    public Func<byte[], bool>? DropBrokerPacket { get; set; }

    /// <summary>Every packet the client sent so far, through every connection, in order.</summary>
    public IReadOnlyList<byte[]> ClientPacketLog => [.. _clientPacketLog];

    /// <summary>While true, new connections are accepted and closed at once (a broker that is down).</summary>
    public bool RefuseConnections { get; set; }

    /// <summary>Connections accepted so far.</summary>
    public int Accepted => Volatile.Read(ref _nextPair);

    /// <summary>Starts a proxy on a free loopback port to <paramref name="targetPort"/> on loopback.</summary>
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

    /// <summary>Stops listening and resets every connection.</summary>
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
                    foreach (byte[] packet in Frame(pending, buffer.AsSpan(0, read)))
                    {
                        _clientPacketLog.Enqueue(packet);
                        _clientPackets.Writer.TryWrite(packet);
                    }
                }
                else if (HoldBrokerBytes)
                {
                    continue;
                }
                else if (DropBrokerPacket is { } drop)
                {
                    foreach (byte[] packet in Frame(pending, buffer.AsSpan(0, read)))
                    {
                        if (!drop(packet))
                        {
                            await to.SendAsync(packet, SocketFlags.None, _stop.Token);
                        }
                    }

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

    // Appends bytes to what is pending and returns the whole packets they complete.
    private static List<byte[]> Frame(List<byte> pending, ReadOnlySpan<byte> bytes)
    {
        pending.AddRange(bytes);
        var packets = new List<byte[]>();
        while (true)
        {
            byte[] data = [.. pending];
            if (FrameScanner.TryScan(data, int.MaxValue, out var header, out _) != FrameStatus.Complete)
            {
                return packets;
            }

            packets.Add(data[..header.TotalLength]);
            pending.RemoveRange(0, header.TotalLength);
        }
    }
}
