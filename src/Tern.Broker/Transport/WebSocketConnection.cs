using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Transport;

/// <summary>
/// An accepted MQTT WebSocket seen as a Kestrel <see cref="ConnectionContext"/>, so that <see cref="MqttConnection"/>
/// runs over it unchanged: one pump copies the payload of incoming binary frames into the input pipe (packets may
/// straddle frames and a frame may hold several, [MQTT-6.0.0-2]; the read loop frames them as on TCP), the other sends
/// what the connection writes as binary frames, one message per flushed batch. Both reuse pipe memory: no allocation
/// per frame or per packet.
/// </summary>
internal sealed class WebSocketConnection : ConnectionContext
{
    /// <summary>How long the closing handshake may take before the socket is aborted.</summary>
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(2);

    private readonly WebSocket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _aborted = new();
    private readonly ILogger _logger;
    private readonly string _listenerName;

    public WebSocketConnection(WebSocket socket, HttpContext http, MqttListenerOptions listener, int maxPacketSize, ILogger logger)
    {
        _socket = socket;
        _logger = logger;
        _listenerName = listener.DisplayName;

        // The read loop needs a whole packet in the pipe before it can parse it (as SocketTransportOptions on TCP).
        long pause = Math.Max(64 * 1024, (long)maxPacketSize + 16);
        _input = new Pipe(new PipeOptions(pauseWriterThreshold: pause, resumeWriterThreshold: pause / 2, useSynchronizationContext: false));
        _output = new Pipe(new PipeOptions(useSynchronizationContext: false));
        Transport = new DuplexPipe(_input.Reader, _output.Writer);

        ConnectionId = http.Connection.Id;
        RemoteEndPoint = http.Connection.RemoteIpAddress is { } remote ? new IPEndPoint(remote, http.Connection.RemotePort) : null;
        LocalEndPoint = http.Connection.LocalIpAddress is { } local ? new IPEndPoint(local, http.Connection.LocalPort) : null;
        Items = new Dictionary<object, object?> { [MqttConnection.ListenerItemKey] = listener };
        Features = new FeatureCollection();
        if (http.Features.Get<ITlsHandshakeFeature>() is { } handshake)
        {
            Features.Set(handshake);
        }

        if (http.Features.Get<ITlsConnectionFeature>() is { } tls)
        {
            Features.Set(tls);
        }

        ConnectionClosed = _aborted.Token;
    }

    /// <inheritdoc/>
    public override IDuplexPipe Transport { get; set; }

    /// <inheritdoc/>
    public override string ConnectionId { get; set; }

    /// <inheritdoc/>
    public override IFeatureCollection Features { get; }

    /// <inheritdoc/>
    public override IDictionary<object, object?> Items { get; set; }

    /// <inheritdoc/>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        _aborted.Cancel();
        _socket.Abort();
    }

    /// <summary>Runs <paramref name="application"/> over the socket; returns once both have finished.</summary>
    public async Task RunAsync(Func<ConnectionContext, Task> application)
    {
        var receiving = ReceiveAsync();
        var sending = SendAsync();
        try
        {
            await application(this).ConfigureAwait(false);
        }
        finally
        {
            // The MQTT side completed its output: the send pump sends what is left and the Close frame.
            await _output.Writer.CompleteAsync().ConfigureAwait(false);
            await _input.Reader.CompleteAsync().ConfigureAwait(false);
            if (await Task.WhenAny(sending, Task.Delay(CloseTimeout)).ConfigureAwait(false) != sending)
            {
                Abort(new ConnectionAbortedException("The peer did not take the last frames in time."));
            }

            // Give the peer the closing handshake's time to answer our Close, then stop reading for good.
            if (await Task.WhenAny(receiving, Task.Delay(CloseTimeout)).ConfigureAwait(false) != receiving)
            {
                Abort(new ConnectionAbortedException("The peer did not answer the Close frame."));
            }

            await Task.WhenAll(sending, receiving).ConfigureAwait(false);
            _aborted.Dispose();
        }
    }

    private async Task ReceiveAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = writer.GetMemory(4096);
                var result = await _socket.ReceiveAsync(memory, _aborted.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                if (result.MessageType != WebSocketMessageType.Binary)
                {
                    // [MQTT-6.0.0-1]: MQTT packets travel in binary frames; any other data frame closes the connection.
                    BrokerLog.WebSocketTextFrame(_logger, RemoteEndPoint?.ToString() ?? "unknown", _listenerName);
                    await CloseOutputAsync(WebSocketCloseStatus.InvalidMessageType, "MQTT over WebSocket uses binary frames").ConfigureAwait(false);
                    break;
                }

                writer.Advance(result.Count);
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ConnectionResetException or ObjectDisposedException)
        {
            error = ex is OperationCanceledException ? null : ex;
        }
        finally
        {
            await writer.CompleteAsync(error is null ? null : new ConnectionResetException(error.Message, error)).ConfigureAwait(false);
        }
    }

    private async Task SendAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_aborted.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await SendMessageAsync(buffer).ConfigureAwait(false);
                }

                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            await CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            // The peer went away or the connection was aborted; the MQTT side learns it from its input.
        }
        finally
        {
            await reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Sends the batch as one binary message, one frame per buffer segment.</summary>
    private async ValueTask SendMessageAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            await _socket.SendAsync(buffer.First, WebSocketMessageType.Binary, endOfMessage: true, _aborted.Token).ConfigureAwait(false);
            return;
        }

        var position = buffer.Start;
        buffer.TryGet(ref position, out var current);
        while (buffer.TryGet(ref position, out var next))
        {
            if (!current.IsEmpty)
            {
                await _socket.SendAsync(current, WebSocketMessageType.Binary, endOfMessage: false, _aborted.Token).ConfigureAwait(false);
            }

            current = next;
        }

        await _socket.SendAsync(current, WebSocketMessageType.Binary, endOfMessage: true, _aborted.Token).ConfigureAwait(false);
    }

    private async Task CloseOutputAsync(WebSocketCloseStatus status, string? description)
    {
        if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
        {
            await _socket.CloseOutputAsync(status, description, _aborted.Token).ConfigureAwait(false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
