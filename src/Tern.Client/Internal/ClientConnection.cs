using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Tern.Client.Diagnostics;
using Tern.Client.Transport;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client.Internal;

/// <summary>What one accepted connection was granted in CONNACK, and what this client chose for it.</summary>
internal sealed record ConnectionSettings(
    ProtocolVersion Version,
    TimeSpan KeepAlive,
    TimeSpan PingTimeout,
    int SendWindow,
    int MaximumPacketSize,
    int ServerMaximumPacketSize,
    ushort ServerTopicAliasMaximum,
    ushort TopicAliasMaximum,
    bool AutoTopicAliases)
{
    /// <summary>5.0 Maximum QoS of the broker ([MQTT-3.2.2-11]: the client sends nothing above it).</summary>
    public QualityOfService MaximumQoS { get; init; } = QualityOfService.ExactlyOnce;

    /// <summary>5.0 Retain Available ([MQTT-3.2.2-14]: no retained PUBLISH when it is 0).</summary>
    public bool RetainAvailable { get; init; } = true;
}

/// <summary>
/// One network connection after a successful CONNACK: exactly one read loop, one write loop and one keep-alive loop.
/// Producers (the client, the read loop's acknowledgements, the keep-alive loop) enqueue <see cref="OutboundPacket"/>s;
/// only the write loop touches the output pipe, and it flushes once per drained batch. The first call to
/// <see cref="Close"/> decides why the connection ended; <see cref="Completion"/> reports it once all loops stopped
/// and the transport is closed.
/// </summary>
internal sealed class ClientConnection
{
    private readonly TransportConnection _transport;
    private readonly IConnectionOwner _owner;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly Channel<OutboundPacket> _outbound = Channel.CreateUnbounded<OutboundPacket>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<DisconnectInfo> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, ushort> _outboundAliases = new(StringComparer.Ordinal);
    private readonly Dictionary<ushort, string> _inboundAliases = [];
    private DisconnectInfo? _closeInfo;
    private byte[] _propertyScratch = new byte[256];
    private long _lastSent;
    private long _pingSentAt;
    private volatile bool _pingOutstanding;
    private volatile bool _delivering;
    private Task _readLoop = Task.CompletedTask;
    private Task _writeLoop = Task.CompletedTask;
    private Task _keepAliveLoop = Task.CompletedTask;

    public ClientConnection(TransportConnection transport, ConnectionSettings settings, IConnectionOwner owner, ILogger logger, TimeProvider time)
    {
        _transport = transport;
        Settings = settings;
        _owner = owner;
        _logger = logger;
        _time = time;
        _lastSent = time.GetTimestamp();
    }

    public ConnectionSettings Settings { get; }

    public ProtocolVersion Version => Settings.Version;

    public string Remote => _transport.Remote;

    /// <summary>Completes with the reason once the connection is fully closed.</summary>
    public Task<DisconnectInfo> Completion => _completion.Task;

    public bool IsClosing => _closeInfo is not null;

    /// <summary>Cancelled when the connection starts closing.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <summary>Inbound Topic Aliases (5.0 §3.3.2.3.4): read-loop owned.</summary>
    public Dictionary<ushort, string> InboundAliases => _inboundAliases;

    public void Start()
    {
        _writeLoop = Task.Run(WriteLoopAsync);
        _readLoop = Task.Run(ReadLoopAsync);
        if (Settings.KeepAlive > TimeSpan.Zero)
        {
            _keepAliveLoop = Task.Run(KeepAliveLoopAsync);
        }

        _ = Task.Run(FinishAsync);
    }

    /// <summary>Queues a packet for the write loop; false once the connection is closing.</summary>
    public bool Enqueue(in OutboundPacket packet) => _outbound.Writer.TryWrite(packet);

    /// <summary>A PINGRESP arrived.</summary>
    public void OnPingResponse() => _pingOutstanding = false;

    /// <summary>Ends the connection for <paramref name="info"/> (the first reason given wins) without a goodbye.</summary>
    public void Close(DisconnectInfo info)
    {
        if (Interlocked.CompareExchange(ref _closeInfo, info, null) is null)
        {
            _outbound.Writer.TryComplete();
            _stop.Cancel();
        }
    }

    /// <summary>
    /// Sends <paramref name="goodbye"/> (a DISCONNECT) after everything queued before it, waits at most
    /// <paramref name="timeout"/> for the write loop to flush it, then closes for <paramref name="info"/>.
    /// </summary>
    public async Task CloseAfterAsync(byte[] goodbye, DisconnectInfo info, TimeSpan timeout)
    {
        if (Interlocked.CompareExchange(ref _closeInfo, info, null) is not null)
        {
            await Completion.ConfigureAwait(false);
            return;
        }

        _outbound.Writer.TryWrite(OutboundPacket.ForRaw(goodbye));
        _outbound.Writer.TryComplete();
        try
        {
            await _writeLoop.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // The peer does not read: close anyway.
        }

        _stop.Cancel();
        await Completion.ConfigureAwait(false);
    }

    /// <summary>Topic Name or alias to write for a PUBLISH; the write loop calls this, so the map needs no lock.</summary>
    private ReadOnlySpan<byte> AliasFor(PendingPublish publish, out ushort alias)
    {
        alias = 0;
        if (!Settings.AutoTopicAliases || Settings.ServerTopicAliasMaximum == 0 || Version != ProtocolVersion.V500)
        {
            return publish.Topic;
        }

        if (_outboundAliases.TryGetValue(publish.Message.Topic, out alias))
        {
            return default;
        }

        if (_outboundAliases.Count < Settings.ServerTopicAliasMaximum)
        {
            alias = (ushort)(_outboundAliases.Count + 1);
            _outboundAliases[publish.Message.Topic] = alias;
        }

        return publish.Topic;
    }

    private void WritePublish(PipeWriter output, PendingPublish publish, bool duplicate)
    {
        var header = new PublishHeader(publish.QoS, publish.Message.Retain, duplicate && publish.QoS != QualityOfService.AtMostOnce, publish.PacketIdentifier);
        var topic = AliasFor(publish, out ushort alias);
        ReadOnlySpan<byte> properties = publish.Properties;
        if (alias != 0)
        {
            int length = publish.Properties.Length + PropertyWriter.SizeOfUInt16;
            if (_propertyScratch.Length < length)
            {
                _propertyScratch = new byte[Math.Max(length, _propertyScratch.Length * 2)];
            }

            publish.Properties.CopyTo(_propertyScratch, 0);
            new PropertyWriter(_propertyScratch.AsSpan(publish.Properties.Length, PropertyWriter.SizeOfUInt16)).WriteUInt16(PropertyId.TopicAlias, alias);
            properties = _propertyScratch.AsSpan(0, length);
        }

        PublishPacket.Write(output, Version, header, topic, properties, publish.Message.Payload.Span);
    }

    private async Task WriteLoopAsync()
    {
        var output = _transport.Output;
        var reader = _outbound.Reader;
        var flushed = new List<PendingPublish>();
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                while (reader.TryRead(out var packet))
                {
                    switch (packet.Kind)
                    {
                        case OutboundKind.Publish:
                            WritePublish(output, packet.Publish!, packet.Duplicate);
                            if (packet.Publish!.QoS == QualityOfService.AtMostOnce)
                            {
                                flushed.Add(packet.Publish);
                            }

                            break;
                        case OutboundKind.Acknowledgement:
                            PubAckPacket.Write(output, new PubAckPacket { Type = packet.AckType, PacketIdentifier = packet.PacketIdentifier, ReasonCode = Version == ProtocolVersion.V500 ? packet.ReasonCode : ReasonCode.Success }, Version);
                            break;
                        case OutboundKind.PingRequest:
                            PingPacket.WriteRequest(output);
                            break;
                        default:
                            output.Write(packet.Raw);
                            break;
                    }
                }

                var result = await output.FlushAsync(_stop.Token).ConfigureAwait(false);
                Volatile.Write(ref _lastSent, _time.GetTimestamp());
                foreach (var publish in flushed)
                {
                    _owner.OnFlushed(publish);
                }

                flushed.Clear();
                if (result.IsCompleted)
                {
                    Close(new DisconnectInfo(MqttDisconnectReason.TransportClosed, ReasonString: "the connection was closed"));
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException)
        {
            Close(new DisconnectInfo(MqttDisconnectReason.TransportError, ReasonString: e.Message, Exception: e));
        }
    }

    private async Task ReadLoopAsync()
    {
        var input = _transport.Input;
        int maximum = Settings.MaximumPacketSize;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(_stop.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                try
                {
                    while (true)
                    {
                        var status = FrameScanner.TryScan(buffer, maximum, out var header, out var violation);
                        if (status == FrameStatus.NeedMoreData)
                        {
                            break;
                        }

                        if (status == FrameStatus.Invalid)
                        {
                            FailProtocol(violation);
                            return;
                        }

                        var action = Dispatch(buffer.Slice(0, header.TotalLength), header);
                        buffer = buffer.Slice(header.TotalLength);
                        if (IsClosing)
                        {
                            return;
                        }

                        if (action.Message is not null)
                        {
                            _delivering = true;
                            try
                            {
                                await _owner.DeliverAsync(action.Message, _stop.Token).ConfigureAwait(false);
                            }
                            finally
                            {
                                _delivering = false;
                            }

                            if (action.AckType != PacketType.Reserved)
                            {
                                Enqueue(OutboundPacket.ForAcknowledgement(action.AckType, action.PacketIdentifier));
                            }
                        }
                    }

                    if (result.IsCompleted)
                    {
                        Close(new DisconnectInfo(MqttDisconnectReason.TransportClosed, ReasonString: "the broker closed the connection"));
                        return;
                    }
                }
                finally
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                }
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException)
        {
            Close(new DisconnectInfo(MqttDisconnectReason.TransportError, ReasonString: e.Message, Exception: e));
        }
    }

    private InboundAction Dispatch(ReadOnlySequence<byte> frame, FixedHeader header)
    {
        var bodySequence = frame.Slice(header.HeaderLength);
        if (bodySequence.IsSingleSegment)
        {
            return _owner.Handle(this, header, bodySequence.FirstSpan);
        }

        // A body that straddles pipe segments is copied once into a pooled buffer.
        byte[] rented = ArrayPool<byte>.Shared.Rent(header.RemainingLength);
        try
        {
            bodySequence.CopyTo(rented);
            return _owner.Handle(this, header, rented.AsSpan(0, header.RemainingLength));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>The broker broke a rule: 5.0 says why with DISCONNECT before closing (§4.13); 3.1.1 just closes.</summary>
    public void FailProtocol(in ProtocolViolation violation)
    {
        ClientLog.ProtocolViolation(_logger, Remote, violation.ToString());
        var info = new DisconnectInfo(MqttDisconnectReason.ProtocolError, violation.ReasonCode, violation.ToString());
        if (Version == ProtocolVersion.V500)
        {
            var writer = new ArrayBufferWriter<byte>(8);
            var code = ReasonCodes.IsAllowedIn(violation.ReasonCode, PacketType.Disconnect) ? violation.ReasonCode : ReasonCode.ProtocolError;
            DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = code }, Version);
            _ = CloseAfterAsync(writer.WrittenSpan.ToArray(), info, TimeSpan.FromSeconds(1));
        }
        else
        {
            Close(info);
        }
    }

    private async Task KeepAliveLoopAsync()
    {
        var keepAlive = Settings.KeepAlive;
        var pingTimeout = Settings.PingTimeout;
        try
        {
            while (!_stop.IsCancellationRequested)
            {
                long now = _time.GetTimestamp();
                if (_pingOutstanding)
                {
                    var waited = _time.GetElapsedTime(Volatile.Read(ref _pingSentAt), now);
                    if (waited >= pingTimeout && !_delivering)
                    {
                        ClientLog.KeepAliveTimeout(_logger, Remote, pingTimeout.TotalSeconds);
                        Close(new DisconnectInfo(MqttDisconnectReason.KeepAliveTimeout, ReasonString: $"no PINGRESP within {pingTimeout.TotalSeconds:0.###} s"));
                        return;
                    }

                    await Task.Delay(waited >= pingTimeout ? pingTimeout : pingTimeout - waited, _time, _stop.Token).ConfigureAwait(false);
                    continue;
                }

                var idle = _time.GetElapsedTime(Volatile.Read(ref _lastSent), now);
                if (idle >= keepAlive)
                {
                    // Idle for a whole keep alive: a PINGREQ keeps the broker from closing us ([MQTT-3.1.2-23]) and
                    // proves the connection alive when the PINGRESP comes back.
                    Volatile.Write(ref _pingSentAt, now);
                    _pingOutstanding = true;
                    Enqueue(OutboundPacket.PingRequest);
                    continue;
                }

                await Task.Delay(keepAlive - idle, _time, _stop.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FinishAsync()
    {
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (_stop.Token.Register(() => stopped.TrySetResult()))
        {
            await stopped.Task.ConfigureAwait(false);
        }

        try
        {
            await Task.WhenAll(_readLoop, _writeLoop, _keepAliveLoop).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await _transport.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or System.Net.WebSockets.WebSocketException or ObjectDisposedException)
            {
                // Closing a broken transport may fail; it is closed all the same.
            }

            _completion.TrySetResult(_closeInfo!);
        }
    }
}
