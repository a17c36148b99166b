using System.Buffers;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Cli.Bench;

/// <summary>
/// One MQTT client connection of the load generator, on a raw socket and the Tern.Protocol codec: packets are encoded
/// into a pooled <see cref="SendBuffer"/> and sent in batches, and what arrives is cut into frames with
/// <see cref="FrameScanner"/> straight from the receive buffer. Each connection is driven by exactly one async loop
/// (<see cref="RunPublisherAsync"/> or <see cref="RunSubscriberAsync"/>); the counters are written by that loop only
/// and read by the coordinator with <see cref="Volatile"/>.
/// </summary>
internal sealed partial class BenchConnection : IAsyncDisposable
{
    private const int ReceiveBufferSize = 64 * 1024;
    private const int SendBufferSize = 64 * 1024;

    /// <summary>
    /// What a connection holds until a loop starts: enough for CONNECT, CONNACK, SUBSCRIBE and SUBACK. An idle connection
    /// (the connections scenario holds thousands) keeps this instead of 128 KiB, and its generator allocates and zeroes
    /// that much less per connect; both buffers grow if a broker's CONNACK or SUBACK is larger.
    /// </summary>
    private const int HandshakeBufferSize = 512;

    /// <summary>Larger than any frame a broker sends us: our own payloads plus headers, CONNACK/SUBACK properties.</summary>
    private const int MaximumFrame = BenchSettings.MaximumPayload + 64 * 1024;

    private readonly Socket _socket;
    private readonly SendBuffer _send = new(HandshakeBufferSize);
    private byte[] _receive = ArrayPool<byte>.Shared.Rent(HandshakeBufferSize);
    private int _consumed;
    private int _filled;

    private long _published;
    private long _acknowledged;
    private long _delivered;
    private long _lastActivity;
    private long _lastPublish;

    private BenchConnection(Socket socket, string name, ProtocolVersion version, LatencySamples? latency)
    {
        _socket = socket;
        Name = name;
        Version = version;
        Latency = latency;
    }

    /// <summary>"publisher 3", "subscriber 12": for error messages.</summary>
    public string Name { get; }

    public ProtocolVersion Version { get; }

    /// <summary>The broker's Receive Maximum from CONNACK (5.0), else 65,535: it caps a publisher's window.</summary>
    public int ServerReceiveMaximum { get; private set; } = ushort.MaxValue;

    /// <summary>PUBLISH packets written to the socket.</summary>
    public long Published => Volatile.Read(ref _published);

    /// <summary>PUBACK (QoS 1) or PUBCOMP (QoS 2) received.</summary>
    public long Acknowledged => Volatile.Read(ref _acknowledged);

    /// <summary>PUBLISH packets received (subscribers).</summary>
    public long Delivered => Volatile.Read(ref _delivered);

    /// <summary>Stopwatch timestamp of the last acknowledgement (publishers) or delivery (subscribers); 0 before the first.</summary>
    public long LastActivity => Volatile.Read(ref _lastActivity);

    /// <summary>Stopwatch timestamp of the last PUBLISH written; 0 before the first.</summary>
    public long LastPublish => Volatile.Read(ref _lastPublish);

    /// <summary>Latency samples of a subscriber in the latency scenario; null otherwise.</summary>
    public LatencySamples? Latency { get; }

    /// <summary>
    /// Opens a TCP connection (from <paramref name="source"/> when given), sends CONNECT with a clean session and keep
    /// alive 0 (the generator sends no PINGREQ), and waits for an accepting CONNACK.
    /// </summary>
    /// <exception cref="BenchException">The connection or the CONNACK failed; the message says why.</exception>
    public static async Task<BenchConnection> OpenAsync(
        EndPoint broker, string host, int port, IPAddress? source, string clientId, string name, ProtocolVersion version, LatencySamples? latency, CancellationToken cancellationToken, bool persistent = false)
    {
        var socket = new Socket(broker.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (source is not null)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(broker, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw BenchException.CannotConnect(host, port, e);
        }

        var connection = new BenchConnection(socket, name, version, latency);
        try
        {
            await connection.HandshakeAsync(clientId, persistent, cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or BenchException)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw e is BenchException ? e : new BenchException($"{name}: no CONNACK from {host}:{port}: {BenchException.Describe(e)}", e);
        }
    }

    /// <summary>Subscribes to one Topic Filter and waits for a SUBACK that grants it.</summary>
    public async Task SubscribeAsync(string topicFilter, QualityOfService qos, CancellationToken cancellationToken)
    {
        SubscribePacket.Write(_send, 1, [new SubscriptionRequest(topicFilter, new SubscriptionOptions(qos))], default, Version);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var header = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        if (!IsGrantingSubAck(header))
        {
            throw new BenchException($"{Name}: the broker refused the subscription to '{topicFilter}'");
        }

        Consume(header);
    }

    private bool IsGrantingSubAck(in FixedHeader header) =>
        header.Type == PacketType.SubAck
        && SubAckPacket.TryDecode(header, Body(header), Version, out var suback, out _)
        && suback.ReasonCodes[0] < ReasonCode.UnspecifiedError;

    /// <summary>Sends DISCONNECT (best effort) and closes the socket.</summary>
    public async Task DisconnectAsync()
    {
        try
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            _send.Clear();
            DisconnectPacket.Write(_send, new DisconnectPacket(), Version);
            await FlushAsync(deadline.Token).ConfigureAwait(false);
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
        {
            // The broker is gone already: nothing to say goodbye to.
        }

        await DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>True while the broker has neither closed the connection nor sent anything (an idle connection's state).</summary>
    public bool IsIdleAndOpen()
    {
        try
        {
            return !_socket.Poll(0, SelectMode.SelectRead) && !_socket.Poll(0, SelectMode.SelectError);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        _send.Dispose();
        var receive = _receive;
        _receive = [];
        if (receive.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(receive);
        }

        return ValueTask.CompletedTask;
    }

    private async Task HandshakeAsync(string clientId, bool persistent, CancellationToken cancellationToken)
    {
        WriteConnect(clientId, persistent);
        await FlushAsync(cancellationToken).ConfigureAwait(false);
        var header = await ReadFrameAsync(cancellationToken).ConfigureAwait(false);
        AcceptConnAck(header);
        Consume(header);
    }

    private void WriteConnect(string clientId, bool persistent)
    {
        // A persistent 5.0 session needs a Session Expiry Interval: 0xFFFFFFFF, never expires (5.0 §3.1.2.11.2).
        var properties = new PropertyBuilder();
        if (persistent && Version == ProtocolVersion.V500)
        {
            properties.AddUInt32(PropertyId.SessionExpiryInterval, uint.MaxValue);
        }

        ConnectPacket.Write(_send, new ConnectPacket
        {
            ProtocolVersion = Version,
            CleanSession = !persistent,
            Properties = new MqttProperties(properties.Span),
            KeepAlive = 0,
            ClientIdentifier = Encoding.UTF8.GetBytes(clientId),
        });
    }

    private void AcceptConnAck(in FixedHeader header)
    {
        if (header.Type != PacketType.ConnAck || !ConnAckPacket.TryDecode(header, Body(header), Version, out var connack, out _))
        {
            throw new BenchException($"{Name}: expected CONNACK, received packet type {(int)header.Type}");
        }

        if (!connack.IsAccepted)
        {
            throw new BenchException($"{Name}: the broker refused the connection: {ReasonCodes.GetName(connack.ReasonCode)}");
        }

        if (connack.Properties.TryGetInteger(PropertyId.ReceiveMaximum, out uint receiveMaximum) && receiveMaximum > 0)
        {
            ServerReceiveMaximum = (int)receiveMaximum;
        }
    }

    private async ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var pending = _send.Written;
        while (!pending.IsEmpty)
        {
            int sent = await _socket.SendAsync(pending, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            pending = pending[sent..];
        }

        _send.Clear();
    }

    /// <summary>
    /// Swaps the handshake buffers for the 64 KiB ones the loops batch into; what was received and not yet consumed
    /// (a retained message right after SUBACK) moves along.
    /// </summary>
    private void GrowBuffersForTraffic()
    {
        _send.EnsureCapacity(SendBufferSize);
        if (_receive.Length >= ReceiveBufferSize)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(ReceiveBufferSize);
        _receive.AsSpan(_consumed, _filled - _consumed).CopyTo(larger);
        _filled -= _consumed;
        _consumed = 0;
        ArrayPool<byte>.Shared.Return(_receive);
        _receive = larger;
    }

    // Waits for one whole frame (handshakes only; the loops scan batches themselves).
    private async ValueTask<FixedHeader> ReadFrameAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryScan(out var header))
            {
                return header;
            }

            if (await ReceiveAsync(cancellationToken).ConfigureAwait(false) == 0)
            {
                throw new BenchException($"{Name}: the broker closed the connection");
            }
        }
    }

    // One receive into the free tail of the buffer, after moving any partial frame to the front.
    private ValueTask<int> ReceiveAsync(CancellationToken cancellationToken)
    {
        PrepareReceive();
        return ReceiveIntoTailAsync(cancellationToken);
    }

    private async ValueTask<int> ReceiveIntoTailAsync(CancellationToken cancellationToken)
    {
        int read = await _socket.ReceiveAsync(_receive.AsMemory(_filled), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        _filled += read;
        return read;
    }

    private void PrepareReceive()
    {
        if (_consumed == _filled)
        {
            _consumed = _filled = 0;
        }
        else if (_consumed > 0 && _filled - _consumed < _receive.Length / 2)
        {
            _receive.AsSpan(_consumed, _filled - _consumed).CopyTo(_receive);
            _filled -= _consumed;
            _consumed = 0;
        }

        if (_filled == _receive.Length)
        {
            // A frame larger than the buffer: grow to hold it (bounded by MaximumFrame through the scanner).
            var larger = ArrayPool<byte>.Shared.Rent(_receive.Length * 2);
            _receive.AsSpan(_consumed, _filled - _consumed).CopyTo(larger);
            _filled -= _consumed;
            _consumed = 0;
            ArrayPool<byte>.Shared.Return(_receive);
            _receive = larger;
        }
    }

    // True when a whole frame starts at _consumed; throws on bytes that are no MQTT frame.
    private bool TryScan(out FixedHeader header)
    {
        var status = FrameScanner.TryScan(_receive.AsSpan(_consumed, _filled - _consumed), MaximumFrame, out header, out var violation);
        return status switch
        {
            FrameStatus.Complete => true,
            FrameStatus.NeedMoreData => false,
            _ => throw new BenchException($"{Name}: the broker sent bytes that are no MQTT frame ({violation.Description})"),
        };
    }

    private ReadOnlySpan<byte> Body(in FixedHeader header) => _receive.AsSpan(_consumed + header.HeaderLength, header.RemainingLength);

    private void Consume(in FixedHeader header) => _consumed += header.TotalLength;
}
