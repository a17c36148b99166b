using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Tern.Broker.Channel;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Protocol;
using Tern.Protocol.Framing;

namespace Tern.Broker.Connections;

/// <summary>
/// One network connection: a read loop that cuts the byte stream into packets and hands each to the channel, and an
/// outbound queue whose single writer drains it into the transport, flushing once per drained batch.
/// </summary>
/// <remarks>
/// Producers (this connection's channel, other connections' publishers, the heartbeat) only enqueue; exactly one
/// thread at a time holds the writer role and touches the output pipe (MqttConnection.Outbound.cs). There is no
/// parked write loop: the writer runs only while something is to be written. When the outbound backlog passes a
/// high-water mark the read loop stops reading until the writer catches up, so a client that sends without reading
/// its acknowledgements is slowed down instead of growing the broker's memory.
/// </remarks>
internal sealed partial class MqttConnection
{
    private const int BacklogHighWater = 4096;
    private const int BacklogLowWater = 1024;

    private readonly ConnectionContext _context;
    private readonly BrokerEngine _engine;
    private readonly MqttChannel _channel;

    public MqttConnection(ConnectionContext context, BrokerEngine engine)
    {
        _context = context;
        _engine = engine;
        PeerEndPoint = context.RemoteEndPoint;
        Listener = ListenerOf(context);
        ClientCertificate = context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>() is not null
            ? context.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>()?.ClientCertificate
            : null;
        _channel = new MqttChannel(this, engine);
        InitializeLimits();
    }

    /// <summary>The key under which <c>UseTernMqtt(listener)</c> puts the listener's options into <c>ConnectionContext.Items</c>.</summary>
    public const string ListenerItemKey = "Tern.Listener";

    /// <summary>Connections of a listener declared without options (an embedder's own <c>UseTernMqtt()</c>).</summary>
    private static readonly MqttListenerOptions DefaultListener = new() { Name = "default" };

    /// <summary>The listener a connection arrived through: the options <c>UseTernMqtt(listener)</c> attached, or the default.</summary>
    public static MqttListenerOptions ListenerOf(ConnectionContext context) =>
        context.Items.TryGetValue(ListenerItemKey, out var listener) && listener is MqttListenerOptions options ? options : DefaultListener;

    /// <summary>The peer's address, for logs.</summary>
    /// <remarks>Formatted on each use, not kept: a string per idle connection (about 60 B) for the rare log line is not worth it.</remarks>
    public string RemoteEndPoint => PeerEndPoint?.ToString() ?? "unknown";

    /// <summary>The peer's address, for authenticators and limits; null when the transport does not know it.</summary>
    public System.Net.EndPoint? PeerEndPoint { get; }

    /// <summary>The listener this connection arrived through.</summary>
    public MqttListenerOptions Listener { get; }

    /// <summary>The client's TLS certificate, when the listener asked for one and the client sent it.</summary>
    public System.Security.Cryptography.X509Certificates.X509Certificate2? ClientCertificate { get; }

    /// <summary>
    /// Runs the connection until either side closes it: the read loop, then the wait for the writer's last flush.
    /// When the transport's context is an <see cref="IConnectionEndListener"/> it is told at the end, and a fault of this
    /// code is logged here instead of faulting the task (nobody awaits it).
    /// </summary>
    /// <remarks>
    /// The read loop is written out in this one method, not awaited from it: each async method that is suspended costs
    /// an idle connection its own state machine, and an idle connection is suspended in exactly this loop.
    /// </remarks>
    public async Task RunAsync()
    {
        try
        {
            _engine.Register(_channel);
            try
            {
                var input = _context.Transport.Input;
                var waiter = input as IDataWaiter;
                int maxPacketSize = _engine.Options.MaxPacketSize;
                while (true)
                {
                    if (waiter is not null)
                    {
                        // Idle here: the transport's own wait is awaited directly, so the read below finds bytes.
                        try
                        {
                            await waiter.WaitForDataAsync().ConfigureAwait(false);
                        }
                        catch (Exception ex) when (ex is not OutOfMemoryException)
                        {
                            throw waiter.TranslateError(ex);
                        }
                    }

                    var result = await input.ReadAsync().ConfigureAwait(false);
                    if (result.IsCanceled)
                    {
                        break;
                    }

                    var buffer = result.Buffer;
                    long available = buffer.Length;

                    // The read loop holds the writer role while it processes a receive batch: what the batch produces
                    // (PUBACKs, CONNACK, SUBACK) is written straight into the output pipe and flushed once at the end.
                    // The connections it routes to are corked for the batch (MqttConnection.Cork.cs).
                    bool holdsWriter = BeginBatch();
                    bool keepGoing;
                    bool paused;
                    int packets;
                    BeginCorking();
                    try
                    {
                        keepGoing = ProcessFrames(ref buffer, maxPacketSize, out paused, out packets);
                    }
                    finally
                    {
                        UncorkAll();
                        if (holdsWriter)
                        {
                            EndBatch();
                        }
                    }

                    _engine.Metrics.Received(available - buffer.Length);
                    _engine.Metrics.PacketsReceivedInRead(packets);
                    if (keepGoing && _channel.TakePendingWork() is { } pending)
                    {
                        // The channel waits for something (an authenticator): the packets after this one stay in the
                        // pipe, unexamined, so the next read returns them at once; nothing is read or processed meanwhile.
                        input.AdvanceTo(buffer.Start);
                        if (!await pending.ConfigureAwait(false) || Volatile.Read(ref _closeRequested) != 0)
                        {
                            break;
                        }

                        continue;
                    }

                    // Paused by the publish rate: the rest stays unexamined, so the next read returns it at once.
                    input.AdvanceTo(buffer.Start, paused ? buffer.Start : buffer.End);
                    if (!keepGoing || Volatile.Read(ref _closeRequested) != 0)
                    {
                        break;
                    }

                    if (paused)
                    {
                        if (!await PauseForPublishRateAsync().ConfigureAwait(false))
                        {
                            break;
                        }

                        continue;
                    }

                    if (result.IsCompleted)
                    {
                        break;
                    }

                    if (Backlog > BacklogHighWater)
                    {
                        await WaitForDrainAsync().ConfigureAwait(false);
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException or OperationCanceledException)
            {
                BrokerLog.ConnectionError(_engine.Logger, RemoteEndPoint, ex);
            }
            catch (Exception ex)
            {
                BrokerLog.UnexpectedError(_engine.Logger, RemoteEndPoint, _channel.ClientId, ex);
            }
            finally
            {
                _engine.Unregister(_channel);
                _channel.OnConnectionClosed();
                RequestClose();
            }

            // A peer that stopped reading must not hold this task forever: give the writer a bound, then abort.
            var finished = WaitForWriterFinishedAsync();
            if (!finished.IsCompleted)
            {
                using var bound = _engine.TimeProvider.CreateTimer(
                    static state => ((MqttConnection)state!)._context.Abort(new ConnectionAbortedException("The peer did not take the last packets in time.")),
                    this,
                    _engine.Options.ShutdownTimeout,
                    Timeout.InfiniteTimeSpan);
                await finished.ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (_context is IConnectionEndListener)
        {
            // A fault of the connection code itself (the read loop's own errors are logged above).
            BrokerLog.UnexpectedError(_engine.Logger, RemoteEndPoint, "?", ex);
        }
        finally
        {
            (_context as IConnectionEndListener)?.OnConnectionEnded();
        }
    }

    // Packets are counted here and added to the shared metrics once per read, as bytes are: one Interlocked and one
    // Counter.Add per read instead of per packet.
    private bool ProcessFrames(ref ReadOnlySequence<byte> buffer, int maxPacketSize, out bool paused, out int packets)
    {
        paused = false;
        packets = 0;
        while (true)
        {
            switch (FrameScanner.TryScan(buffer, maxPacketSize, out var header, out var violation))
            {
                case FrameStatus.NeedMoreData:
                    return true;
                case FrameStatus.Invalid:
                    _channel.OnFramingViolation(header, violation);
                    return false;
            }

            if (_publishRateLimited && header.Type == PacketType.Publish && !TryTakePublishBudget(header.TotalLength))
            {
                paused = true;
                return true;
            }

            packets++;
            var body = buffer.Slice(header.HeaderLength, header.RemainingLength);
            bool keepGoing;
            if (body.IsSingleSegment)
            {
                keepGoing = _channel.Process(header, body.FirstSpan);
            }
            else
            {
                // A packet straddling transport buffers is copied once into pooled memory; the decoders want one span.
                byte[] rented = ArrayPool<byte>.Shared.Rent(header.RemainingLength);
                try
                {
                    body.CopyTo(rented);
                    keepGoing = _channel.Process(header, rented.AsSpan(0, header.RemainingLength));
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }
            }

            buffer = buffer.Slice(header.TotalLength);
            if (!keepGoing)
            {
                return false;
            }

            if (_channel.HasPendingWork)
            {
                return true;
            }
        }
    }

    private void Write(PipeWriter output, in OutboundPacket item)
    {
        switch (item.Kind)
        {
            case OutboundKind.Publish:
                var encoded = item.Publish!;
                encoded.AssertLive(item.PublishGeneration);
                var span = output.GetSpan(encoded.Length);
                encoded.CopyTo(span, item.PacketIdentifier, item.Duplicate, _engine.TimeProvider);
                output.Advance(encoded.Length);

                // Copied: the item's reference to the message goes (the last one returns it to the pool).
                encoded.Release();
                _engine.Metrics.MessageSent();
                break;
            case OutboundKind.Acknowledgement:
                WriteAcknowledgement(output, item);
                break;
            case OutboundKind.PingResponse:
                var ping = output.GetSpan(2);
                ping[0] = 0xD0;
                ping[1] = 0x00;
                output.Advance(2);
                break;
            case OutboundKind.Bytes:
                output.Write(item.Bytes);
                break;
        }
    }

    private void WriteAcknowledgement(PipeWriter output, in OutboundPacket item)
    {
        // PUBACK / PUBREC / PUBCOMP: flags 0000; PUBREL: 0010 ([MQTT-3.6.1-1]). The 5.0 reason code is omitted when it
        // is Success (5.0 §3.4.2.1), which makes the common case the same 4 bytes in every version.
        byte first = (byte)(((byte)item.AcknowledgementType << 4) | (item.AcknowledgementType == PacketType.PubRel ? 0x02 : 0x00));
        bool withReason = item.ReasonCode != ReasonCode.Success && _channel.ProtocolVersion == ProtocolVersion.V500;
        int size = withReason ? 5 : 4;
        var span = output.GetSpan(size);
        span[0] = first;
        span[1] = (byte)(size - 2);
        BinaryPrimitives.WriteUInt16BigEndian(span[2..], item.PacketIdentifier);
        if (withReason)
        {
            span[4] = (byte)item.ReasonCode;
        }

        output.Advance(size);
    }
}
