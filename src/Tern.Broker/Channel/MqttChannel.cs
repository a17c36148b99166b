using System.Buffers;
using Microsoft.Extensions.Logging;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Broker.Messages;
using Tern.Broker.Sessions;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

/// <summary>
/// The protocol state machine of one connection: CONNECT first, then the packets of a connected client, each checked
/// against the rules of the client's protocol version. It knows MQTT, not sockets: bytes come in through
/// <see cref="Process"/>, packets go out through the connection's queue.
/// </summary>
/// <remarks>
/// <see cref="Process"/> runs on the connection's read loop only. <see cref="CheckTimeouts"/>, the takeover and
/// shutdown closes come from other threads and touch only volatile fields and the connection's thread-safe queue.
/// </remarks>
internal sealed partial class MqttChannel : ISessionConnection
{
    private readonly MqttConnection _connection;
    private readonly BrokerEngine _engine;
    private readonly long _createdAt;
    private long _lastActivity;
    private int _state; // ChannelState
    private int _closeReason; // CloseReason
    private MqttSession? _session;
    private BrokerMessage? _will;
    private int _sendWindow;

    public MqttChannel(MqttConnection connection, BrokerEngine engine)
    {
        _connection = connection;
        _engine = engine;
        _createdAt = engine.TimeProvider.GetTimestamp();
        _lastActivity = _createdAt;
        _sendWindow = engine.Options.MaxInflightMessages;
    }

    private enum ChannelState
    {
        AwaitingConnect,
        Authenticating,
        Connected,
        Closed,
    }

    /// <summary>Why the connection is being closed, which decides the fate of the will.</summary>
    private enum CloseReason
    {
        None,
        ClientDisconnected,
        ClientDisconnectedWithWill,
        ProtocolViolation,
        KeepAliveTimeout,
        ConnectTimeout,
        TakenOver,
        ServerShutdown,
        AdministrativeAction,
    }

    /// <summary>The client identifier, once CONNECT was accepted; empty before.</summary>
    public string ClientId { get; private set; } = string.Empty;

    /// <inheritdoc/>
    public ProtocolVersion ProtocolVersion { get; private set; } = ProtocolVersion.Unknown;

    /// <summary>The keep alive the client asked for, in seconds; 0 disables the check.</summary>
    public ushort KeepAlive { get; private set; }

    /// <inheritdoc/>
    public int SendWindow => _sendWindow;

    /// <inheritdoc/>
    public int MaximumPacketSize { get; private set; } = int.MaxValue;

    private ILogger Logger => _engine.Logger;

    private bool IsV5 => ProtocolVersion == ProtocolVersion.V500;

    private ChannelState State => (ChannelState)Volatile.Read(ref _state);

    /// <summary>Handles one whole packet. Returns false when the connection must close.</summary>
    public bool Process(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (_engine.Durable is null)
        {
            return ProcessPacket(header, body);
        }

        // Everything one packet records is committed together (see DurableWriter.BeginGroup).
        Persistence.DurableWriter.BeginGroup();
        try
        {
            return ProcessPacket(header, body);
        }
        finally
        {
            Persistence.DurableWriter.EndGroup();
        }
    }

    private bool ProcessPacket(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        Volatile.Write(ref _lastActivity, _engine.TimeProvider.GetTimestamp());
        if (State == ChannelState.AwaitingConnect)
        {
            if (header.Type != PacketType.Connect)
            {
                // [MQTT-3.1.0-1]: the first packet must be CONNECT; close without processing it or answering.
                return Violation(ProtocolViolation.ProtocolError("3.1.1 MQTT-3.1.0-1, 5.0 MQTT-3.1.0-1", "first packet is not CONNECT"));
            }

            return ProcessConnect(header, body);
        }

        if (State == ChannelState.Authenticating)
        {
            return ProcessWhileAuthenticating(header, body);
        }

        if (State != ChannelState.Connected)
        {
            return false;
        }

        return header.Type switch
        {
            PacketType.Publish => ProcessPublish(header, body),
            PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp => ProcessAcknowledgement(header, body),
            PacketType.Subscribe => ProcessSubscribe(header, body),
            PacketType.Unsubscribe => ProcessUnsubscribe(header, body),
            PacketType.PingReq => ProcessPing(header, body),
            PacketType.Disconnect => ProcessDisconnect(header, body),
            PacketType.Connect => Violation(ProtocolViolation.ProtocolError(IsV5 ? "5.0 MQTT-3.1.0-2" : "3.1.1 MQTT-3.1.0-2", "second CONNECT on a connection")),
            PacketType.Auth when IsV5 => ProcessAuth(header, body),
            _ => ProcessForbidden(header),
        };
    }

    /// <summary>The frame scanner refused the bytes: too large, or a malformed remaining length.</summary>
    public void OnFramingViolation(in FixedHeader header, in ProtocolViolation violation) => Violation(violation);

    /// <inheritdoc/>
    public EncodedPublish Encode(in Delivery delivery)
    {
        if (!IsV5)
        {
            return delivery.Message.GetEncoding(ProtocolVersion, delivery.QoS, delivery.Retain);
        }

        var identifiers = delivery.SubscriptionIdentifiers;
        if (_extras is { OutboundAliasMaximum: > 0 } extras)
        {
            return EncodeWithAlias(delivery, extras);
        }

        return identifiers is { Length: > 0 }
            ? delivery.Message.CreateEncoding(delivery.QoS, delivery.Retain, identifiers)
            : delivery.Message.GetEncoding(ProtocolVersion, delivery.QoS, delivery.Retain);
    }

    /// <summary>
    /// Outbound topic aliases (option <c>OutboundTopicAliases</c>): the first message on a topic carries the topic and a
    /// new alias, later ones only the alias, up to the Topic Alias Maximum the client announced ([MQTT-3.3.2-11]: never
    /// above it). Topics beyond the client's maximum go out with their name, as without aliases.
    /// </summary>
    private static EncodedPublish EncodeWithAlias(in Delivery delivery, ChannelExtras extras)
    {
        var aliases = extras.OutboundAliases ??= new Dictionary<string, ushort>(StringComparer.Ordinal);
        string topic = System.Text.Encoding.UTF8.GetString(delivery.Message.Topic);
        bool known = aliases.TryGetValue(topic, out ushort alias);
        if (!known && aliases.Count < extras.OutboundAliasMaximum)
        {
            alias = (ushort)(aliases.Count + 1);
            aliases[topic] = alias;
        }

        return delivery.Message.CreateEncoding(delivery.QoS, delivery.Retain, delivery.SubscriptionIdentifiers ?? [], alias, omitTopic: known);
    }

    /// <inheritdoc/>
    public void SendPublish(EncodedPublish encoded, ushort packetIdentifier, bool duplicate) =>
        _connection.Enqueue(OutboundPacket.ForPublish(encoded, packetIdentifier, duplicate));

    /// <inheritdoc/>
    public void SendPubRel(ushort packetIdentifier) =>
        _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRel, packetIdentifier));

    private bool ProcessPing(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!PingPacket.TryDecode(header, body, ProtocolVersion, out var violation))
        {
            return Violation(violation);
        }

        _connection.Enqueue(OutboundPacket.PingResponse);
        return true;
    }

    private bool ProcessForbidden(in FixedHeader header)
    {
        var violation = header.Validate(ProtocolVersion);
        if (!violation.IsNone)
        {
            return Violation(violation);
        }

        // CONNACK, SUBACK, UNSUBACK and PINGRESP only ever travel from server to client (CVE-2021-28166 was a broker
        // that parsed a client's CONNACK).
        return Violation(ProtocolViolation.ProtocolError(IsV5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "a server-to-client packet sent by a client"));
    }

    /// <summary>
    /// Refuses the connection for a protocol violation: logged once, counted, and for MQTT 5.0 after CONNACK a
    /// DISCONNECT with the reason code before the close ([MQTT-4.13.1-1] in 5.0; 3.1.1 closes, [MQTT-4.8.0-1]).
    /// </summary>
    private bool Violation(in ProtocolViolation violation)
    {
        BrokerLog.ProtocolViolation(Logger, _connection.RemoteEndPoint, ClientId, violation.ToString());
        _engine.Metrics.ProtocolViolation((byte)violation.ReasonCode);
        if (State == ChannelState.Connected && IsV5)
        {
            SendDisconnect(violation.ReasonCode, violation.Description);
        }

        Close(CloseReason.ProtocolViolation);
        return false;
    }

    /// <summary>Queues a DISCONNECT (5.0 only), with a Reason String saying why when there is one to say.</summary>
    private void SendDisconnect(ReasonCode reasonCode, string? reasonString = null)
    {
        var properties = new PropertyBuilder();
        if (reasonString is not null)
        {
            properties.AddString(PropertyId.ReasonString, reasonString);
        }

        var writer = new ArrayBufferWriter<byte>(8 + properties.Span.Length);
        DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = reasonCode, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500);
        _connection.Enqueue(OutboundPacket.ForBytes(writer.WrittenSpan.ToArray()));
    }

    private void Send(byte[] packet) => _connection.Enqueue(OutboundPacket.ForBytes(packet));

    private void Close(CloseReason reason)
    {
        Interlocked.CompareExchange(ref _closeReason, (int)reason, (int)CloseReason.None);
        _connection.RequestClose();
    }
}
