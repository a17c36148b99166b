using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using System.Text;
using Tern.Client.Diagnostics;
using Tern.Client.Internal;
using Tern.Client.Transport;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client;

public sealed partial class MqttClient
{
    // The largest packet MQTT can carry: a 4-byte remaining length of 268,435,455 plus the 5-byte fixed header.
    private const int ProtocolMaximumPacketSize = 268_435_460;

    /// <summary>
    /// Connects: opens the transport, sends CONNECT, awaits CONNACK, then resumes the session (resending unacknowledged
    /// QoS 1/2 messages with DUP when the broker kept it, restoring subscriptions when it did not) and starts sending
    /// the publish queue. From then on a lost connection is re-established automatically when
    /// <see cref="MqttReconnectOptions.Enabled"/>.
    /// </summary>
    /// <returns>The CONNACK: reason / return code, session present, and what a 5.0 broker allows.</returns>
    /// <exception cref="MqttConnectException">The broker refused (e.g. <c>not authorized (0x87)</c>).</exception>
    /// <exception cref="MqttClientException">The broker could not be reached (<see cref="MqttClientException.SocketError"/> says why) or broke the protocol.</exception>
    /// <exception cref="InvalidOperationException">Already connected or connecting.</exception>
    public async Task<MqttConnectResult> ConnectAsync(CancellationToken cancellationToken = default)
    {
        CancellationTokenSource lifetime;
        lock (_sync)
        {
            ThrowIfDisposed();
            if (_state != ClientState.Idle)
            {
                throw new InvalidOperationException($"The client is already {_state.ToString().ToLowerInvariant()}.");
            }

            _state = ClientState.Connecting;
            _lifetime?.Dispose();
            _lifetime = lifetime = new CancellationTokenSource();
            if (_connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = NewSignal();
            }
        }

        ClientConnection connection;
        MqttConnectResult result;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, lifetime.Token);
            (connection, result) = await EstablishAsync(isReconnect: false, linked.Token).ConfigureAwait(false);
        }
        catch
        {
            lock (_sync)
            {
                if (_state == ClientState.Connecting)
                {
                    _state = ClientState.Idle;
                }
            }

            throw;
        }

        Raise(Connected, new MqttConnectedEventArgs(result, isReconnect: false));
        _supervisor = Task.Run(() => SuperviseAsync(connection, lifetime.Token), CancellationToken.None);
        return result;
    }

    private string RemoteDescription => _options.WebSocketUri?.ToString() ?? $"{_options.Host}:{_options.Port}";

    private static string Describe(SocketError error) => error switch
    {
        SocketError.ConnectionRefused => "connection refused",
        SocketError.HostNotFound or SocketError.NoData => "host not found",
        SocketError.TimedOut => "timed out",
        SocketError.NetworkUnreachable or SocketError.HostUnreachable => "unreachable",
        SocketError.ConnectionReset => "connection reset",
        _ => error.ToString(),
    };

    private static async Task<(FixedHeader Header, byte[] Body)> ReadHandshakePacketAsync(PipeReader input, int maximumPacketSize, CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            var status = FrameScanner.TryScan(buffer, maximumPacketSize, out var header, out var violation);
            if (status == FrameStatus.Complete)
            {
                byte[] body = buffer.Slice(header.HeaderLength, header.RemainingLength).ToArray();
                input.AdvanceTo(buffer.GetPosition(header.TotalLength));
                return (header, body);
            }

            if (status == FrameStatus.Invalid)
            {
                input.AdvanceTo(buffer.Start);
                throw new MqttClientException($"the broker sent an invalid packet: {violation}");
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                throw new MqttClientException("the broker closed the connection before CONNACK");
            }
        }
    }

    private async Task<(ClientConnection Connection, MqttConnectResult Result)> EstablishAsync(bool isReconnect, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.ConnectTimeout);
        TransportConnection transport;
        try
        {
            transport = await TransportConnection.ConnectAsync(_options, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new MqttClientException($"cannot connect to {RemoteDescription}: timed out after {_options.ConnectTimeout.TotalSeconds:0.###} s");
        }
        catch (SocketException e)
        {
            throw new MqttClientException($"cannot connect to {RemoteDescription}: {Describe(e.SocketErrorCode)}", e);
        }
        catch (Exception e) when (e is IOException or System.Security.Authentication.AuthenticationException or System.Net.WebSockets.WebSocketException)
        {
            string detail = e.Message;
            for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
            {
                if (inner is SocketException socket)
                {
                    detail = Describe(socket.SocketErrorCode);
                    break;
                }
            }

            throw new MqttClientException($"cannot connect to {RemoteDescription}: {detail}", e);
        }

        try
        {
            var result = await HandshakeAsync(transport, isReconnect, deadline.Token).ConfigureAwait(false);
            return (Attach(transport, result), result);
        }
        catch (Exception e)
        {
            await transport.DisposeAsync().ConfigureAwait(false);
            if (e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new MqttClientException($"cannot connect to {RemoteDescription}: no CONNACK within {_options.ConnectTimeout.TotalSeconds:0.###} s");
            }

            if (e is IOException or SocketException)
            {
                throw new MqttClientException($"cannot connect to {RemoteDescription}: {e.Message}", e);
            }

            throw;
        }
    }

    private async Task<MqttConnectResult> HandshakeAsync(TransportConnection transport, bool isReconnect, CancellationToken cancellationToken)
    {
        try
        {
            return await HandshakeCoreAsync(transport, isReconnect, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not (MqttClientException or OperationCanceledException or IOException or SocketException))
        {
            // An authenticator that refused the broker's data (a SCRAM server signature that does not verify, ...).
            throw new MqttClientException($"enhanced authentication failed: {e.Message}", e);
        }
    }

    private async Task<MqttConnectResult> HandshakeCoreAsync(TransportConnection transport, bool isReconnect, CancellationToken cancellationToken)
    {
        var version = _options.ProtocolVersion;
        var authenticator = version == ProtocolVersion.V500 ? _options.Authenticator : null;
        ReadOnlyMemory<byte> authData = authenticator is null ? default : await authenticator.GetInitialDataAsync(cancellationToken).ConfigureAwait(false);
        string clientId;
        lock (_sync)
        {
            clientId = _clientId;
        }

        WriteConnect(transport.Output, clientId, isReconnect, authenticator, authData.Span);
        await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);

        int maximum = _options.MaximumPacketSize == 0 ? ProtocolMaximumPacketSize : (int)Math.Min(_options.MaximumPacketSize, ProtocolMaximumPacketSize);
        while (true)
        {
            var (header, body) = await ReadHandshakePacketAsync(transport.Input, maximum, cancellationToken).ConfigureAwait(false);
            if (header.Type == PacketType.Auth && authenticator is not null)
            {
                if (!AuthPacket.TryDecode(header, body, version, out var auth, out var authViolation))
                {
                    throw new MqttClientException($"the broker sent an invalid AUTH: {authViolation}");
                }

                if (auth.ReasonCode != ReasonCode.ContinueAuthentication)
                {
                    throw new MqttClientException($"the broker sent AUTH 0x{(byte)auth.ReasonCode:X2} before CONNACK");
                }

                byte[] challenge = auth.AuthenticationData.ToArray();
                var answer = await authenticator.ContinueAsync(challenge, cancellationToken).ConfigureAwait(false);
                var properties = new PropertyBuilder().AddString(PropertyId.AuthenticationMethod, authenticator.Method).AddBytes(PropertyId.AuthenticationData, answer.Span);
                AuthPacket.Write(transport.Output, new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, Properties = new MqttProperties(properties.Span) });
                await transport.Output.FlushAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (header.Type != PacketType.ConnAck)
            {
                throw new MqttClientException($"the broker sent {header.Type} before CONNACK");
            }

            if (!ConnAckPacket.TryDecode(header, body, version, out var connAck, out var violation))
            {
                throw new MqttClientException($"the broker sent an invalid CONNACK: {violation}");
            }

            var result = ToResult(connAck, version, clientId);
            if (!result.IsSuccess)
            {
                throw new MqttConnectException(result);
            }

            if (authenticator is not null)
            {
                byte[] final = connAck.Properties.TryGetBytes(PropertyId.AuthenticationData, out var data) ? data.ToArray() : [];
                await authenticator.CompleteAsync(final, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
    }

    private void WriteConnect(IBufferWriter<byte> output, string clientId, bool isReconnect, IMqttEnhancedAuthenticator? authenticator, ReadOnlySpan<byte> authData)
    {
        var version = _options.ProtocolVersion;
        bool v5 = version == ProtocolVersion.V500;
        var properties = new PropertyBuilder();
        byte[] willProperties = [];
        if (v5)
        {
            if (_options.SessionExpiryInterval > 0)
            {
                properties.AddUInt32(PropertyId.SessionExpiryInterval, _options.SessionExpiryInterval);
            }

            if (_options.ReceiveMaximum != ushort.MaxValue)
            {
                properties.AddUInt16(PropertyId.ReceiveMaximum, _options.ReceiveMaximum);
            }

            if (_options.MaximumPacketSize > 0)
            {
                properties.AddUInt32(PropertyId.MaximumPacketSize, _options.MaximumPacketSize);
            }

            if (_options.TopicAliasMaximum > 0)
            {
                properties.AddUInt16(PropertyId.TopicAliasMaximum, _options.TopicAliasMaximum);
            }

            if (_options.RequestResponseInformation)
            {
                properties.AddByte(PropertyId.RequestResponseInformation, 1);
            }

            MessageEncoding.AddUserProperties(properties, _options.UserProperties);
            if (authenticator is not null)
            {
                properties.AddString(PropertyId.AuthenticationMethod, authenticator.Method);
                if (!authData.IsEmpty)
                {
                    properties.AddBytes(PropertyId.AuthenticationData, authData);
                }
            }
        }

        var will = _options.Will;
        if (will is not null)
        {
            willProperties = MessageEncoding.EncodeProperties(will.Message, version, will.DelayInterval);
        }

        // A 5.0 reconnect asks to resume: with Clean Start 1 the broker would discard the session that the Session
        // Expiry Interval kept through the cut (5.0 §3.1.2.4). 3.1.1 keeps the configured flag: its session either
        // lives with the connection (CleanSession 1) or is always resumed.
        bool cleanStart = v5 && isReconnect ? false : _options.CleanStart;
        ConnectPacket.Write(output, new ConnectPacket
        {
            ProtocolVersion = version,
            CleanSession = cleanStart,
            KeepAlive = (ushort)_options.KeepAlive.TotalSeconds,
            Properties = new MqttProperties(properties.Span),
            ClientIdentifier = Encoding.UTF8.GetBytes(clientId),
            HasWill = will is not null,
            WillQoS = will?.Message.QoS ?? QualityOfService.AtMostOnce,
            WillRetain = will?.Message.Retain ?? false,
            WillProperties = new MqttProperties(willProperties),
            WillTopic = will is null ? default : Encoding.UTF8.GetBytes(will.Message.Topic),
            WillPayload = will is null ? default : will.Message.Payload.Span,
            HasUserName = _options.UserName is not null,
            UserName = _options.UserName is null ? default : Encoding.UTF8.GetBytes(_options.UserName),
            HasPassword = _options.Password is not null,
            Password = _options.Password is null ? default : Encoding.UTF8.GetBytes(_options.Password),
        });
    }

    private static MqttConnectResult ToResult(in ConnAckPacket connAck, ProtocolVersion version, string clientId)
    {
        var p = connAck.Properties;
        string? assigned = p.GetStringOrNull(PropertyId.AssignedClientIdentifier);
        return new MqttConnectResult
        {
            ReasonCode = connAck.ReasonCode,
            ReturnCode = version == ProtocolVersion.V500 ? ReasonCodes.ToConnectReturnCode(connAck.ReasonCode) ?? ConnectReturnCode.NotAuthorized : connAck.ReturnCode,
            SessionPresent = connAck.SessionPresent,
            ProtocolVersion = version,
            ClientId = assigned ?? clientId,
            AssignedClientIdentifier = assigned,
            ReasonString = p.GetStringOrNull(PropertyId.ReasonString),
            ReceiveMaximum = (ushort)(p.GetIntegerOrNull(PropertyId.ReceiveMaximum) ?? ushort.MaxValue),
            MaximumPacketSize = p.GetIntegerOrNull(PropertyId.MaximumPacketSize),
            TopicAliasMaximum = (ushort)(p.GetIntegerOrNull(PropertyId.TopicAliasMaximum) ?? 0),
            MaximumQoS = (QualityOfService)(p.GetIntegerOrNull(PropertyId.MaximumQoS) ?? 2),
            RetainAvailable = (p.GetIntegerOrNull(PropertyId.RetainAvailable) ?? 1) == 1,
            ServerKeepAlive = p.GetIntegerOrNull(PropertyId.ServerKeepAlive) is { } keepAlive ? (ushort)keepAlive : null,
            SessionExpiryInterval = p.GetIntegerOrNull(PropertyId.SessionExpiryInterval),
            ResponseInformation = p.GetStringOrNull(PropertyId.ResponseInformation),
            ServerReference = p.GetStringOrNull(PropertyId.ServerReference),
            WildcardSubscriptionAvailable = (p.GetIntegerOrNull(PropertyId.WildcardSubscriptionAvailable) ?? 1) == 1,
            SubscriptionIdentifiersAvailable = (p.GetIntegerOrNull(PropertyId.SubscriptionIdentifierAvailable) ?? 1) == 1,
            SharedSubscriptionAvailable = (p.GetIntegerOrNull(PropertyId.SharedSubscriptionAvailable) ?? 1) == 1,
            UserProperties = MessageEncoding.UserProperties(p),
        };
    }

    /// <summary>
    /// Makes an accepted connection the current one and resumes the session on it: with the session present, resend
    /// every unacknowledged PUBLISH with DUP and the same packet identifier, and PUBREL for QoS 2 messages already
    /// PUBREC'd ([MQTT-4.4.0-1] in 3.1.1, [MQTT-4.4.0-1] in 5.0); without it, the broker forgot them, so they go back to
    /// the front of the queue as new messages (QoS 2 ones already PUBREC'd count as delivered) and the subscriptions are
    /// restored.
    /// </summary>
    private ClientConnection Attach(TransportConnection transport, MqttConnectResult result)
    {
        var version = _options.ProtocolVersion;
        var keepAlive = result.ServerKeepAlive is { } serverKeepAlive ? TimeSpan.FromSeconds(serverKeepAlive) : _options.KeepAlive;
        var settings = new ConnectionSettings(
            version,
            keepAlive,
            _options.EffectivePingTimeout(keepAlive),
            Math.Min(_options.MaxInflightMessages, result.ReceiveMaximum),
            _options.MaximumPacketSize == 0 ? ProtocolMaximumPacketSize : (int)Math.Min(_options.MaximumPacketSize, ProtocolMaximumPacketSize),
            result.MaximumPacketSize is { } max ? (int)Math.Min(max, ProtocolMaximumPacketSize) : ProtocolMaximumPacketSize,
            result.TopicAliasMaximum,
            _options.TopicAliasMaximum,
            _options.AutoTopicAliases)
        {
            MaximumQoS = result.MaximumQoS,
            RetainAvailable = result.RetainAvailable,
        };
        var connection = new ClientConnection(transport, settings, this, _logger, _options.TimeProvider);
        List<PendingPublish> delivered = [];
        int resent = 0, restored = 0;
        lock (_sync)
        {
            _connection = connection;
            _state = ClientState.Connected;
            _lastConnect = result;
            _clientId = result.ClientId;
            var inflight = _inflight.Values.OrderBy(p => p.Sequence).ToList();
            if (result.SessionPresent)
            {
                foreach (var pending in inflight)
                {
                    connection.Enqueue(pending.State == PublishState.AwaitingPubComp
                        ? OutboundPacket.ForAcknowledgement(PacketType.PubRel, pending.PacketIdentifier)
                        : OutboundPacket.ForPublish(pending, duplicate: pending.WasSent));
                    pending.WasSent = true;
                    resent++;
                }
            }
            else
            {
                _awaitingRelease.Clear();
                for (int i = inflight.Count - 1; i >= 0; i--)
                {
                    var pending = inflight[i];
                    _inflight.Remove(pending.PacketIdentifier);
                    _ids.Release(pending.PacketIdentifier);
                    if (pending.State == PublishState.AwaitingPubComp)
                    {
                        delivered.Add(pending);
                        continue;
                    }

                    pending.State = PublishState.Queued;
                    pending.PacketIdentifier = 0;
                    pending.WasSent = false;
                    if (pending.StoreId != 0 && pending.QoS == QualityOfService.ExactlyOnce)
                    {
                        _store?.MarkSent(pending.StoreId, 0);
                    }

                    _queue.AddFirst(pending);
                }

                restored = RestoreSubscriptions(connection);
            }

            connection.Start();
            _connectedSignal.TrySetResult();
            SignalChanged();
        }

        foreach (var pending in delivered)
        {
            CompletePublish(pending, new MqttPublishResult { ReasonCode = ReasonCode.Success, PacketIdentifier = pending.PacketIdentifier });
        }

        if (resent > 0)
        {
            ClientLog.Resending(_logger, resent);
        }

        if (restored > 0)
        {
            ClientLog.Resubscribing(_logger, restored);
        }

        ClientLog.Connected(_logger, connection.Remote, result.ClientId, version == ProtocolVersion.V500 ? "5.0" : "3.1.1", result.SessionPresent);
        _ = Task.Run(() => SendQueuedAsync(connection), CancellationToken.None);
        return connection;
    }
}
