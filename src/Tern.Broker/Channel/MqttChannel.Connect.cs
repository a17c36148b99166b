using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Tern.Broker.Diagnostics;
using Tern.Broker.Messages;
using Tern.Broker.Sessions;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    // MQTT 3.1 limits the client identifier to 23 characters (3.1 §3.1, "Client Identifier").
    private const int MaxClientIdLength31 = 23;

    // CONNACK of 3.1 / 3.1.1, accepted: type 2, remaining length 2, the Session Present flag, return code 0. Shared by
    // every connection and never written to.
    private static readonly byte[] ConnAckAccepted = [0x20, 0x02, 0x00, 0x00];
    private static readonly byte[] ConnAckAcceptedSessionPresent = [0x20, 0x02, 0x01, 0x00];

    private bool ProcessConnect(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!ConnectPacket.TryDecode(header, body, out var connect, out var violation))
        {
            return RefuseUndecodableConnect(body, violation);
        }

        ProtocolVersion = connect.ProtocolVersion;
        if (_engine.IsShuttingDown)
        {
            return Refuse(ReasonCode.ServerUnavailable, "the broker is shutting down");
        }

        bool assigned = connect.ClientIdentifier.IsEmpty;
        string clientId = assigned ? AssignClientId() : Encoding.UTF8.GetString(connect.ClientIdentifier);
        int limit = ProtocolVersion == ProtocolVersion.V310 ? MaxClientIdLength31 : _engine.Options.MaxClientIdLength;
        if (clientId.Length > limit)
        {
            ClientId = clientId;
            return Refuse(ReasonCode.ClientIdentifierNotValid, "client identifier too long");
        }

        ClientId = clientId;
        var options = _engine.Options;
        if (options.ServerReference is not null)
        {
            // The operator is moving clients elsewhere (5.0 §4.11: Server redirection).
            return Refuse(options.RedirectPermanently ? ReasonCode.ServerMoved : ReasonCode.UseAnotherServer, "redirected to " + options.ServerReference);
        }

        KeepAlive = connect.KeepAlive;
        ushort? serverKeepAlive = null;
        if (options.MaxKeepAlive > 0 && (KeepAlive > options.MaxKeepAlive || (IsV5 && KeepAlive == 0)))
        {
            if (!IsV5)
            {
                return Refuse(ReasonCode.ClientIdentifierNotValid, "keep alive above the broker's maximum");
            }

            // 5.0: the broker's keep alive wins and is announced as Server Keep Alive ([MQTT-3.2.2-21] in 5.0).
            KeepAlive = (ushort)options.MaxKeepAlive;
            serverKeepAlive = KeepAlive;
        }

        uint expiry = connect.CleanSession ? 0 : MqttSession.NeverExpires;
        if (!connect.CleanSession && options.PersistentClientExpiration is { } expiration)
        {
            // 3.x has no session expiry; the operator's PersistentClientExpiration (Mosquitto's
            // persistent_client_expiration, capped by MaxSessionExpiryInterval) ends abandoned persistent sessions. 5.0
            // overrides it below.
            expiry = Math.Min((uint)expiration.TotalSeconds, options.MaxSessionExpiryInterval);
        }

        uint? cappedExpiry = null;
        bool requestResponseInformation = false;
        if (IsV5)
        {
            if (connect.Properties.TryGetBytes(PropertyId.AuthenticationMethod, out var method))
            {
                if (!EnhancedAuthenticationSession.TryCreate(_engine.AuthenticationMechanisms, method, clientId, null, out var authentication))
                {
                    // A method the broker does not offer: CONNACK 0x8C and close ([MQTT-4.12.0-1] in 5.0).
                    return RefuseAuthentication(ReasonCode.BadAuthenticationMethod, "unsupported authentication method " + Encoding.UTF8.GetString(method));
                }

                Extras.Authentication = authentication;
            }

            if (connect.Properties.TryGetInteger(PropertyId.ReceiveMaximum, out uint receiveMaximum))
            {
                _sendWindow = (int)Math.Min(receiveMaximum, (uint)options.MaxInflightMessages);
            }

            if (connect.Properties.TryGetInteger(PropertyId.MaximumPacketSize, out uint maximumPacketSize))
            {
                MaximumPacketSize = (int)Math.Min(maximumPacketSize, int.MaxValue);
            }

            requestResponseInformation = connect.Properties.GetIntegerOrNull(PropertyId.RequestResponseInformation) == 1;
            if (options.OutboundTopicAliases && connect.Properties.TryGetInteger(PropertyId.TopicAliasMaximum, out uint clientAliases) && clientAliases > 0)
            {
                Extras.OutboundAliasMaximum = (int)clientAliases;
            }

            // 5.0 §3.1.2.11.2: without a Session Expiry Interval (or with 0) the session ends with the connection,
            // whatever Clean Start says; Clean Start only decides whether an existing session is resumed.
            uint asked = connect.Properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval) ?? 0;
            if (asked != 0)
            {
                Extras.ConnectSessionExpiry = asked;
            }

            expiry = Math.Min(asked, options.MaxSessionExpiryInterval);
            if (expiry != asked)
            {
                cappedExpiry = expiry;
            }
        }

        if (connect.HasWill)
        {
            _will = BrokerMessage.Create(connect.WillTopic, connect.WillProperties.Raw, connect.WillPayload, connect.WillQoS, connect.WillRetain, clientId, _engine.TimeProvider);
            uint willDelay = IsV5 ? connect.WillProperties.GetIntegerOrNull(PropertyId.WillDelayInterval) ?? 0 : 0;
            if (willDelay != 0)
            {
                Extras.WillDelay = willDelay;
            }

            if ((connect.WillRetain && !options.RetainAvailable) || (int)connect.WillQoS > options.MaximumQoS)
            {
                // [MQTT-3.2.2-12], [MQTT-3.2.2-13] in 5.0: a will the broker could not publish as asked is refused.
                return Refuse(connect.WillRetain && !options.RetainAvailable ? ReasonCode.RetainNotSupported : ReasonCode.QoSNotSupported, "the will asks for what the broker does not offer");
            }
        }

        _pendingConnect = new PendingConnect(
            clientId,
            connect.CleanSession,
            expiry,
            new ConnAckProperties(assigned ? clientId : null, cappedExpiry, serverKeepAlive, requestResponseInformation && options.ResponseInformation is not null ? options.ResponseInformation + clientId : null));
        if (Authentication is { } enhanced)
        {
            // Enhanced authentication (5.0 §4.12): the CONNECT waits for the AUTH exchange; nothing but AUTH or
            // DISCONNECT may arrive until CONNACK ([MQTT-3.1.2-30] in 5.0).
            Volatile.Write(ref _state, (int)ChannelState.Authenticating);
            connect.Properties.TryGetBytes(PropertyId.AuthenticationData, out var data);
            return ActOn(enhanced.StartAsync(data));
        }

        return Authenticate(connect);
    }

    /// <summary>What is kept of an accepted CONNECT while enhanced authentication runs (the packet's bytes are gone by then).</summary>
    private sealed class PendingConnect(string clientId, bool cleanStart, uint expiry, ConnAckProperties connAck)
    {
        public string ClientId { get; } = clientId;

        public bool CleanStart { get; } = cleanStart;

        public uint Expiry { get; } = expiry;

        /// <summary>What CONNACK says; enhanced authentication adds its method and data when it accepts.</summary>
        public ConnAckProperties ConnAck { get; set; } = connAck;

        /// <summary>The CONNECT's user name, for the authenticator and the refusal's log line.</summary>
        public string? UserName { get; set; }
    }

    /// <summary>Accepts the pending CONNECT: takes over or creates the session, queues CONNACK, attaches the session.</summary>
    private bool Accept(in ConnAckProperties authentication)
    {
        var pending = _pendingConnect!;
        string clientId = pending.ClientId;
        pending.ConnAck = pending.ConnAck with { AuthenticationMethod = authentication.AuthenticationMethod, AuthenticationData = authentication.AuthenticationData };
        var session = _engine.Sessions.Connect(clientId, pending.CleanStart, pending.Expiry, this, out var displaced, _will, WillDelay);
        _pendingConnect = null;
        _session = session;
        session.Client = _client;
        _engine.Metrics.ClientConnected();
        if (displaced is MqttChannel old)
        {
            // Both identities: a different user taking over a client id is how a hijack shows (RELIABILITY.md E12).
            BrokerLog.SessionTakeover(
                Logger, clientId, _connection.RemoteEndPoint, _client?.UserName ?? "(anonymous)", old._connection.RemoteEndPoint, old._client?.UserName ?? "(anonymous)");
            old.CloseForTakeover();
        }

        return true;
    }

    /// <inheritdoc/>
    void ISessionConnection.OnSessionAttaching(bool sessionPresent)
    {
        var pending = _pendingConnect!;
        Volatile.Write(ref _state, (int)ChannelState.Connected);
        SendConnAck(sessionPresent, pending.ConnAck);
        // The remote address is formatted only for a log that will be written (a string per connect otherwise).
        if (Logger.IsEnabled(Microsoft.Extensions.Logging.LogLevel.Information))
        {
            BrokerLog.ClientConnected(Logger, pending.ClientId, _connection.RemoteEndPoint, VersionName(ProtocolVersion), pending.CleanStart, KeepAlive, sessionPresent);
        }
    }

    /// <summary>What a 5.0 CONNACK tells this particular client, besides the broker's fixed capabilities.</summary>
    private readonly record struct ConnAckProperties(string? AssignedClientId, uint? SessionExpiryInterval, ushort? ServerKeepAlive, string? ResponseInformation)
    {
        public string? AuthenticationMethod { get; init; }

        public ReadOnlyMemory<byte> AuthenticationData { get; init; }
    }

    /// <summary>
    /// CONNACK. For 5.0 it announces what is on and what is off ([MQTT-3.2.2-9] ff. in 5.0): a property is sent only when
    /// its value differs from the default a client assumes in its absence.
    /// </summary>
    private void SendConnAck(bool sessionPresent, in ConnAckProperties connack)
    {
        if (!IsV5)
        {
            // 3.1 / 3.1.1: one of two fixed four-byte packets, which the writer only copies. 3.1 has no Session Present
            // flag: its acknowledge flags byte is reserved and 0.
            Send(sessionPresent && ProtocolVersion != ProtocolVersion.V310 ? ConnAckAcceptedSessionPresent : ConnAckAccepted);
            return;
        }

        var properties = new PropertyBuilder();
        if (IsV5)
        {
            var options = _engine.Options;
            if (connack.AssignedClientId is not null)
            {
                properties.AddString(PropertyId.AssignedClientIdentifier, connack.AssignedClientId);
            }

            if (connack.SessionExpiryInterval is { } expiry)
            {
                properties.AddUInt32(PropertyId.SessionExpiryInterval, expiry);
            }

            if (connack.ServerKeepAlive is { } keepAlive)
            {
                properties.AddUInt16(PropertyId.ServerKeepAlive, keepAlive);
            }

            properties.AddUInt16(PropertyId.ReceiveMaximum, (ushort)options.MaxAwaitingRelease);
            if (options.MaximumQoS < 2)
            {
                properties.AddByte(PropertyId.MaximumQoS, (byte)options.MaximumQoS);
            }

            if (!options.RetainAvailable)
            {
                properties.AddByte(PropertyId.RetainAvailable, 0);
            }

            properties.AddUInt32(PropertyId.MaximumPacketSize, (uint)options.MaxPacketSize);
            if (options.TopicAliasMaximum > 0)
            {
                properties.AddUInt16(PropertyId.TopicAliasMaximum, (ushort)options.TopicAliasMaximum);
            }

            if (!options.WildcardSubscriptionAvailable)
            {
                properties.AddByte(PropertyId.WildcardSubscriptionAvailable, 0);
            }

            if (!options.SubscriptionIdentifiersAvailable)
            {
                properties.AddByte(PropertyId.SubscriptionIdentifierAvailable, 0);
            }

            if (!options.SharedSubscriptionsAvailable)
            {
                properties.AddByte(PropertyId.SharedSubscriptionAvailable, 0);
            }

            if (connack.ResponseInformation is not null)
            {
                properties.AddString(PropertyId.ResponseInformation, connack.ResponseInformation);
            }

            if (connack.AuthenticationMethod is not null)
            {
                properties.AddString(PropertyId.AuthenticationMethod, connack.AuthenticationMethod);
                if (!connack.AuthenticationData.IsEmpty)
                {
                    properties.AddBytes(PropertyId.AuthenticationData, connack.AuthenticationData.Span);
                }
            }
        }

        var writer = new ArrayBufferWriter<byte>(32 + properties.Span.Length);
        ConnAckPacket.Write(writer, new ConnAckPacket { SessionPresent = sessionPresent, Properties = new MqttProperties(properties.Span) }, ProtocolVersion);
        Send(writer.WrittenSpan.ToArray());
    }

    /// <summary>Answers a CONNECT that decoded but is refused, with the CONNACK code of its version, and closes ([MQTT-3.2.2-5] in 3.1.1).</summary>
    private bool Refuse(ReasonCode reason, string description)
    {
        BrokerLog.ConnectRefused(Logger, _connection.RemoteEndPoint, ClientId, description);
        SendRefusal(ProtocolVersion, reason, description);
        Close(CloseReason.ProtocolViolation);
        return false;
    }

    /// <summary>
    /// A CONNECT that did not decode. An unsupported protocol level gets CONNACK 0x01 in the 3.1.1 format, which every
    /// version's client can read ([MQTT-3.1.2-2]); a bad client identifier gets 0x02 / 0x85 ([MQTT-3.1.3-8] in 3.1.1);
    /// an MQTT 5.0 CONNECT may be answered with its reason code (5.0 §4.13); anything else closes without a CONNACK
    /// ([MQTT-3.1.4-1]).
    /// </summary>
    private bool RefuseUndecodableConnect(ReadOnlySpan<byte> body, in ProtocolViolation violation)
    {
        BrokerLog.ConnectRefused(Logger, _connection.RemoteEndPoint, ClientId, violation.ToString());
        _engine.Metrics.ProtocolViolation((byte)violation.ReasonCode);
        var level = PeekProtocolLevel(body);
        if (violation.ReasonCode == ReasonCode.UnsupportedProtocolVersion)
        {
            SendRefusal(ProtocolVersion.V311, violation.ReasonCode);
        }
        else if (violation.ReasonCode == ReasonCode.ClientIdentifierNotValid || level == ProtocolVersion.V500)
        {
            SendRefusal(level, violation.ReasonCode);
        }

        Close(CloseReason.ProtocolViolation);
        return false;
    }

    private void SendRefusal(ProtocolVersion version, ReasonCode reason, string? reasonString = null)
    {
        var writer = new ArrayBufferWriter<byte>(64);
        if (version == ProtocolVersion.V500)
        {
            var properties = new PropertyBuilder();
            if (reasonString is not null)
            {
                properties.AddString(PropertyId.ReasonString, reasonString);
            }

            if (reason is ReasonCode.UseAnotherServer or ReasonCode.ServerMoved && _engine.Options.ServerReference is { } reference)
            {
                properties.AddString(PropertyId.ServerReference, reference);
            }

            ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = reason, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500);
        }
        else if (ReasonCodes.ToConnectReturnCode(reason is ReasonCode.UseAnotherServer or ReasonCode.ServerMoved ? ReasonCode.ServerUnavailable : reason) is { } returnCode)
        {
            ConnAckPacket.Write(writer, new ConnAckPacket { ReturnCode = returnCode }, version == ProtocolVersion.Unknown ? ProtocolVersion.V311 : version);
        }
        else
        {
            return;
        }

        Send(writer.WrittenSpan.ToArray());
    }

    // The protocol level sits after the length-prefixed protocol name; Unknown when the bytes are too short.
    private static ProtocolVersion PeekProtocolLevel(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2)
        {
            return ProtocolVersion.Unknown;
        }

        int nameLength = BinaryPrimitives.ReadUInt16BigEndian(body);
        return body.Length > 2 + nameLength && body[2 + nameLength] is 3 or 4 or 5 ? (ProtocolVersion)body[2 + nameLength] : ProtocolVersion.Unknown;
    }

    private static string AssignClientId() => "tern-" + Guid.NewGuid().ToString("N")[..20];

    private static string VersionName(ProtocolVersion version) => version switch
    {
        ProtocolVersion.V310 => "3.1",
        ProtocolVersion.V311 => "3.1.1",
        ProtocolVersion.V500 => "5.0",
        _ => "?",
    };
}
