using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Tern.Protocol.Framing;

namespace Tern.TestKit;

/// <summary>
/// A byte-scripted MQTT client for protocol tests: send exactly the bytes a test writes (<see cref="Hex"/> syntax),
/// then expect whole frames, a close, or silence, each with a deadline. A background loop frames what arrives with
/// <see cref="FrameScanner"/> and records every frame, so a failure message shows the whole conversation.
/// </summary>
/// <remarks>One test drives a connection: the Expect and Read methods are not meant to be called concurrently.</remarks>
public sealed class RawMqttConnection : IAsyncDisposable
{
    /// <summary>The largest frame the specification allows: 1 + 4 bytes of header + 268,435,455.</summary>
    private const int MaximumFrame = 268_435_460;

    private readonly Socket _socket;
    private readonly Channel<Inbound> _inbound = Channel.CreateUnbounded<Inbound>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<string> _transcript = [];
    private readonly List<byte[]> _received = [];
    private readonly Lock _gate = new();
    private readonly Task _receiveLoop;
    private Inbound? _closed;

    private RawMqttConnection(Socket socket, string name)
    {
        _socket = socket;
        Name = name;
        _receiveLoop = Task.Run(ReceiveLoopAsync);
    }

    /// <summary>The connection's name in messages.</summary>
    public string Name { get; }

    /// <summary>Every whole frame received so far, in order.</summary>
    public IReadOnlyList<byte[]> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    /// <summary>The conversation so far, one line per frame sent or received, with milliseconds since connecting.</summary>
    public string Transcript
    {
        get
        {
            lock (_gate)
            {
                return _transcript.Count == 0 ? "  (nothing sent or received)" : string.Join('\n', _transcript);
            }
        }
    }

    /// <summary>Opens a TCP connection (no MQTT bytes are sent).</summary>
    /// <param name="host">The broker's address.</param>
    /// <param name="port">The broker's port.</param>
    /// <param name="name">The connection's name in messages; "raw" when null.</param>
    /// <param name="cancellationToken">Cancels the connect.</param>
    public static async Task<RawMqttConnection> ConnectAsync(string host, int port, string? name = null, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            await socket.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            socket.Dispose();
            throw new ExpectationFailedException(
                string.Create(CultureInfo.InvariantCulture, $"{name ?? "raw"}: cannot connect to {host}:{port}: {e.Message}"), e);
        }

        return new RawMqttConnection(socket, name ?? "raw");
    }

    /// <summary>Opens a TCP connection to a broker under test.</summary>
    public static Task<RawMqttConnection> ConnectAsync(IBrokerUnderTest broker, string? name = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(broker);
        return ConnectAsync(broker.Host, broker.Port, name, cancellationToken);
    }

    /// <summary>Sends the bytes of a script in <see cref="Hex"/> syntax, e.g. <c>"C0 00"</c>.</summary>
    public Task SendAsync(string hex) => SendAsync(Hex.Bytes(hex));

    /// <summary>Sends bytes as they are, in one write.</summary>
    /// <exception cref="ExpectationFailedException">The peer had already closed the connection.</exception>
    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        Record("->", bytes.Span);
        try
        {
            await _socket.SendAsync(bytes, SocketFlags.None, _stop.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw Failure($"sending failed: {e.SocketErrorCode}", e);
        }
    }

    /// <summary>Reads the next whole frame.</summary>
    /// <exception cref="ExpectationFailedException">No whole frame within <paramref name="timeout"/>, or the peer closed first.</exception>
    public async Task<byte[]> ReadPacketAsync(TimeSpan timeout)
    {
        var next = await NextAsync(timeout, "a packet").ConfigureAwait(false);
        return next.Frame ?? throw Failure($"expected a packet, but the peer {next.Describe()}");
    }

    /// <summary>Expects the next frame to be exactly <paramref name="hex"/>.</summary>
    public async Task ExpectAsync(string hex, TimeSpan timeout)
    {
        byte[] expected = Hex.Bytes(hex);
        var next = await NextAsync(timeout, $"the packet {Hex.Format(expected)}").ConfigureAwait(false);
        if (next.Frame is null)
        {
            throw Failure($"expected {Hex.Format(expected)}, but the peer {next.Describe()}");
        }

        if (!next.Frame.AsSpan().SequenceEqual(expected))
        {
            throw Failure($"expected {Hex.Format(expected)}\n  but received {Hex.Format(next.Frame)}");
        }
    }

    /// <summary>
    /// Expects the peer to close the connection (the read returns 0 or the connection is reset) with no byte before.
    /// </summary>
    /// <exception cref="ExpectationFailedException">A frame or partial bytes arrived first, or the connection stayed open.</exception>
    public async Task ExpectClosedAsync(TimeSpan timeout)
    {
        var next = await NextAsync(timeout, "the peer to close the connection").ConfigureAwait(false);
        if (next.Frame is not null || next.Leftover is { Length: > 0 } || next.Invalid is not null)
        {
            throw Failure($"expected the peer to close the connection, but it {next.Describe()}");
        }
    }

    /// <summary>Expects no byte (and no close) for the whole <paramref name="window"/>.</summary>
    /// <exception cref="ExpectationFailedException">A frame arrived, or the peer closed, within the window.</exception>
    public async Task ExpectSilenceAsync(TimeSpan window)
    {
        if (_closed is not null)
        {
            throw Failure($"expected silence, but the peer had already {_closed.Describe()}");
        }

        using var deadline = new CancellationTokenSource(window);
        try
        {
            if (await _inbound.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false) && _inbound.Reader.TryRead(out var next))
            {
                Consume(next);
                throw Failure($"expected silence for {Seconds(window)} s, but the peer {next.Describe()}");
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            // Silence, as expected.
        }
    }

    /// <summary>Sends PINGREQ (<c>C0 00</c>) and expects PINGRESP (<c>D0 00</c>): the connection is open and served.</summary>
    public async Task ExpectAliveAsync(TimeSpan? timeout = null)
    {
        await SendAsync("C0 00").ConfigureAwait(false);
        await ExpectAsync("D0 00", timeout ?? TimeSpan.FromSeconds(5)).ConfigureAwait(false);
    }

    /// <summary>Resets the connection (RST, not FIN): the harshest way to vanish without DISCONNECT.</summary>
    public void Abort()
    {
        Record("-x", "reset by us");
        _stop.Cancel();
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
    }

    /// <summary>Closes the connection (FIN) without sending anything.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _socket.Dispose();
        try
        {
            await _receiveLoop.ConfigureAwait(false);
        }
        catch (Exception e) when (e is ObjectDisposedException or OperationCanceledException or SocketException)
        {
            // Stopping is what was asked.
        }

        _stop.Dispose();
    }

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private async Task<Inbound> NextAsync(TimeSpan timeout, string awaited)
    {
        if (_closed is not null)
        {
            return _closed;
        }

        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            if (await _inbound.Reader.WaitToReadAsync(deadline.Token).ConfigureAwait(false) && _inbound.Reader.TryRead(out var next))
            {
                Consume(next);
                return next;
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested)
        {
            throw Failure($"nothing arrived within {Seconds(timeout)} s while waiting for {awaited}; the connection is still open");
        }

        throw Failure($"cannot wait for {awaited}: this side closed the connection");
    }

    private void Consume(Inbound next)
    {
        if (next.Frame is null)
        {
            _closed = next;
        }
    }

    private ExpectationFailedException Failure(string what, Exception? inner = null)
    {
        string message = $"{Name}: {what}.\nConversation:\n{Transcript}";
        return inner is null ? new ExpectationFailedException(message) : new ExpectationFailedException(message, inner);
    }

    private void Record(string direction, ReadOnlySpan<byte> bytes) => Record(direction, Hex.Abbreviate(bytes, 64));

    private void Record(string direction, string what)
    {
        lock (_gate)
        {
            _transcript.Add(string.Create(CultureInfo.InvariantCulture, $"  {_clock.ElapsedMilliseconds,6} ms {direction} {what}"));
        }
    }

    private async Task ReceiveLoopAsync()
    {
        byte[] buffer = new byte[4096];
        int filled = 0;
        Inbound end;
        try
        {
            while (true)
            {
                // Deliver every whole frame in the buffer.
                while (true)
                {
                    var status = FrameScanner.TryScan(buffer.AsSpan(0, filled), MaximumFrame, out var header, out var violation);
                    if (status == FrameStatus.NeedMoreData)
                    {
                        if (header.HeaderLength > 0 && header.TotalLength > buffer.Length)
                        {
                            Array.Resize(ref buffer, header.TotalLength);
                        }

                        break;
                    }

                    if (status == FrameStatus.Invalid)
                    {
                        byte[] garbage = buffer[..filled];
                        Record("<-", garbage);
                        Record("<-", $"(not an MQTT frame: {violation.Description})");
                        _inbound.Writer.TryWrite(new Inbound(null, null, null, garbage));
                        return;
                    }

                    byte[] frame = buffer[..header.TotalLength];
                    lock (_gate)
                    {
                        _received.Add(frame);
                    }

                    Record("<-", frame);
                    _inbound.Writer.TryWrite(new Inbound(frame, null, null, null));
                    Buffer.BlockCopy(buffer, header.TotalLength, buffer, 0, filled - header.TotalLength);
                    filled -= header.TotalLength;
                }

                if (filled == buffer.Length)
                {
                    Array.Resize(ref buffer, buffer.Length * 2);
                }

                int read = await _socket.ReceiveAsync(buffer.AsMemory(filled), SocketFlags.None, _stop.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    end = new Inbound(null, "closed the connection (FIN)", buffer[..filled], null);
                    break;
                }

                filled += read;
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
        {
            end = new Inbound(null, $"reset the connection ({e.SocketErrorCode})", buffer[..filled], null);
        }
        catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException || (e is SocketException && _stop.IsCancellationRequested))
        {
            _inbound.Writer.TryComplete();
            return;
        }

        Record("<-", end.Leftover is { Length: > 0 } partial ? $"{end.Close} after partial bytes {Hex.Abbreviate(partial)}" : end.Close!);
        _inbound.Writer.TryWrite(end);
        _inbound.Writer.TryComplete();
    }

    // One event of the receive loop: a whole frame, the close (with any partial frame before it), or invalid bytes.
    private sealed record Inbound(byte[]? Frame, string? Close, byte[]? Leftover, byte[]? Invalid)
    {
        public string Describe()
        {
            if (Frame is not null)
            {
                return $"sent {Hex.Abbreviate(Frame)}";
            }

            if (Invalid is not null)
            {
                return $"sent bytes that are no MQTT frame: {Hex.Abbreviate(Invalid)}";
            }

            var text = new StringBuilder(Close);
            if (Leftover is { Length: > 0 })
            {
                text.Append(" after sending partial bytes ").Append(Hex.Abbreviate(Leftover));
            }

            return text.ToString();
        }
    }
}
