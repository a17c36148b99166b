using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>
/// A scripted broker on 127.0.0.1:0 for behaviour no real broker shows on demand (a Receive Maximum of 2, silence
/// after PINGREQ, an AUTH challenge, Topic Aliases towards the client): the test reads the client's packets and writes
/// the answers itself.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);

    public FakeBroker() => _listener.Start();

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public async Task<FakeSession> AcceptAsync(TimeSpan timeout)
    {
        try
        {
            var socket = await _listener.AcceptSocketAsync().WaitAsync(timeout);
            return new FakeSession(socket);
        }
        catch (TimeoutException)
        {
            throw new ExpectationFailedException($"No client connected within {timeout.TotalSeconds} s.");
        }
    }

    public ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>One connection to the <see cref="FakeBroker"/>.</summary>
internal sealed class FakeSession : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly PipeReader _input;

    public FakeSession(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _input = PipeReader.Create(_stream);
    }

    /// <summary>Reads the next whole packet the client sent.</summary>
    public async Task<(FixedHeader Header, byte[] Body)> ReadPacketAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(deadline.Token);
                var buffer = result.Buffer;
                if (FrameScanner.TryScan(buffer, int.MaxValue, out var header, out _) == FrameStatus.Complete)
                {
                    byte[] body = buffer.Slice(header.HeaderLength, header.RemainingLength).ToArray();
                    _input.AdvanceTo(buffer.GetPosition(header.TotalLength));
                    return (header, body);
                }

                _input.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    throw new ExpectationFailedException("The client closed the connection.");
                }
            }
        }
        catch (OperationCanceledException)
        {
            throw new ExpectationFailedException($"The client sent nothing within {timeout.TotalSeconds} s.");
        }
    }

    /// <summary>Reads packets until one of <paramref name="type"/>, skipping others (e.g. PINGREQ).</summary>
    public async Task<(FixedHeader Header, byte[] Body)> ExpectAsync(PacketType type, TimeSpan timeout)
    {
        while (true)
        {
            var packet = await ReadPacketAsync(timeout);
            if (packet.Header.Type == type)
            {
                return packet;
            }
        }
    }

    /// <summary>Reads CONNECT and answers CONNACK with <paramref name="properties"/> (5.0).</summary>
    public async Task<byte[]> AcceptConnectAsync(ProtocolVersion version, PropertyBuilder? properties = null, TimeSpan? timeout = null)
    {
        var (header, body) = await ExpectAsync(PacketType.Connect, timeout ?? Timeouts.Event);
        Assert.Equal(PacketType.Connect, header.Type);
        var writer = new ArrayBufferWriter<byte>();
        ConnAckPacket.Write(writer, new ConnAckPacket { Properties = new MqttProperties(properties is null ? default : properties.Span) }, version);
        await SendAsync(writer.WrittenSpan.ToArray());
        return body;
    }

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Waits until the client closes the connection.</summary>
    public async Task ExpectClosedAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            while (true)
            {
                var result = await _input.ReadAsync(deadline.Token);
                _input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return;
                }
            }
        }
        catch (IOException)
        {
            // A reset is a close too.
        }
        catch (OperationCanceledException)
        {
            throw new ExpectationFailedException($"The client did not close the connection within {timeout.TotalSeconds} s.");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _input.CompleteAsync();
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
