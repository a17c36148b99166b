using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Tern.Broker.Diagnostics;
using Tern.Broker.Messages;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    // MQTT 3.1 limits the client identifier to 23 characters (3.1 §3.1, "Client Identifier").
    private const int MaxClientIdLength31 = 23;

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
        KeepAlive = connect.KeepAlive;
        bool endsWithConnection = connect.CleanSession;
        if (IsV5)
        {
            if (connect.Properties.TryGetBytes(PropertyId.AuthenticationMethod, out _))
            {
                // Enhanced authentication is not offered yet: 5.0 §3.1.4 lets the server answer 0x8C and close.
                return Refuse(ReasonCode.BadAuthenticationMethod, "enhanced authentication is not supported");
            }

            if (connect.Properties.TryGetInteger(PropertyId.ReceiveMaximum, out uint receiveMaximum))
            {
                _sendWindow = (int)Math.Min(receiveMaximum, (uint)_engine.Options.MaxInflightMessages);
            }

            // 5.0 §3.1.2.11.2: without a Session Expiry Interval (or with 0) the session ends with the connection,
            // whatever Clean Start says; Clean Start only decides whether an existing session is resumed.
            endsWithConnection = connect.Properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval) is null or 0;
        }

        if (connect.HasWill)
        {
            _will = BrokerMessage.Create(connect.WillTopic, connect.WillProperties.Raw, connect.WillPayload, connect.WillQoS, connect.WillRetain, clientId);
        }

        bool cleanStart = connect.CleanSession;
        var session = _engine.Sessions.Connect(
            clientId,
            cleanStart,
            endsWithConnection,
            this,
            present =>
            {
                Volatile.Write(ref _state, (int)ChannelState.Connected);
                SendConnAck(present, assigned ? clientId : null);
                BrokerLog.ClientConnected(Logger, clientId, _connection.RemoteEndPoint, VersionName(ProtocolVersion), cleanStart, KeepAlive, present);
            },
            out var displaced);
        _session = session;
        _engine.Metrics.ClientConnected();
        if (displaced is MqttChannel old)
        {
            BrokerLog.SessionTakeover(Logger, clientId, _connection.RemoteEndPoint, old._connection.RemoteEndPoint);
            old.CloseForTakeover();
        }

        return true;
    }

    private void SendConnAck(bool sessionPresent, string? assignedClientId)
    {
        var properties = new PropertyBuilder();
        if (IsV5)
        {
            if (assignedClientId is not null)
            {
                properties.AddString(PropertyId.AssignedClientIdentifier, assignedClientId);
            }

            properties.AddUInt32(PropertyId.MaximumPacketSize, (uint)_engine.Options.MaxPacketSize);

            // Subscription identifiers are not delivered yet; say so rather than let the default (available) mislead.
            properties.AddByte(PropertyId.SubscriptionIdentifierAvailable, 0);
        }

        var writer = new ArrayBufferWriter<byte>(32);
        ConnAckPacket.Write(writer, new ConnAckPacket { SessionPresent = sessionPresent, Properties = new MqttProperties(properties.Span) }, ProtocolVersion);
        Send(writer.WrittenSpan.ToArray());
    }

    /// <summary>Answers a CONNECT that decoded but is refused, with the CONNACK code of its version, and closes ([MQTT-3.2.2-5] in 3.1.1).</summary>
    private bool Refuse(ReasonCode reason, string description)
    {
        BrokerLog.ConnectRefused(Logger, _connection.RemoteEndPoint, ClientId, description);
        SendRefusal(ProtocolVersion, reason);
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

    private void SendRefusal(ProtocolVersion version, ReasonCode reason)
    {
        var writer = new ArrayBufferWriter<byte>(8);
        if (version == ProtocolVersion.V500)
        {
            ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = reason }, ProtocolVersion.V500);
        }
        else if (ReasonCodes.ToConnectReturnCode(reason) is { } returnCode)
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
