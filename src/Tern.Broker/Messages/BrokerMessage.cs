using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Messages;

/// <summary>
/// An Application Message inside the broker: topic, properties and payload copied once from the receive buffer into a
/// single buffer (copy 1 of the PUBLISH path), immutable from then on and shared by every session it is routed to.
/// Encodings are built lazily, one per (protocol family, QoS, retain flag), and cached on the message.
/// </summary>
/// <remarks>
/// Lifetime (BrokerMessage.Lifetime.cs): a routed message comes from the broker's <see cref="MessagePool"/>, its body
/// and shared encodings in pooled arrays, and counts references — the router's while it routes, one per queued or
/// in-flight delivery of a session, one per outbound item not yet written. The last release returns all of it to the
/// pool. Messages that something outside that count keeps (the retained store, the durable writer) are pinned and
/// left to the GC; messages made with <see cref="Create"/> or read back from a store are never pooled.
/// </remarks>
internal sealed partial class BrokerMessage
{
    // 2 protocol families (3.1/3.1.1 share a wire format; 5.0) x 3 QoS x 2 retain flags.
    private const int EncodingSlots = 12;

    private readonly MessagePool? _pool;
    private readonly Lock _encodingGate = new();
    private EncodedPublish?[]? _encodings;
    private int _built; // one bit per slot of _encodings valid in this generation
    private byte[] _buffer = [];
    private int _length;
    private bool _pooledBuffer;
    private int _topicLength;
    private int _propertiesLength;

    /// <summary>An empty pooled message, filled by <see cref="FromPublish"/>.</summary>
    internal BrokerMessage(MessagePool pool)
    {
        _pool = pool;
    }

    private BrokerMessage(byte[] buffer, int topicLength, int propertiesLength, QualityOfService qos, bool retain, string? publisherClientId, long expiresAt)
    {
        _buffer = buffer;
        _length = buffer.Length;
        _topicLength = topicLength;
        _propertiesLength = propertiesLength;
        QoS = qos;
        Retain = retain;
        PublisherClientId = publisherClientId;
        ExpiresAt = expiresAt;
        _refCount = 1;
        _pinned = 1;
    }

    /// <summary>The Topic Name as UTF-8.</summary>
    public ReadOnlySpan<byte> Topic
    {
        get
        {
            AssertLive();
            return _buffer.AsSpan(0, _topicLength);
        }
    }

    /// <summary>
    /// The MQTT 5.0 properties to forward: Message Expiry Interval first (so its value sits at a fixed offset the writer
    /// can patch), then the others in their received order; Topic Alias, Subscription Identifier and Will Delay Interval
    /// removed.
    /// </summary>
    public ReadOnlySpan<byte> Properties
    {
        get
        {
            AssertLive();
            return _buffer.AsSpan(_topicLength, _propertiesLength);
        }
    }

    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload
    {
        get
        {
            AssertLive();
            return _buffer.AsSpan(_topicLength + _propertiesLength, PayloadLength);
        }
    }

    /// <summary>The payload length in bytes.</summary>
    public int PayloadLength => _length - _topicLength - _propertiesLength;

    /// <summary>The QoS the message was published with.</summary>
    public QualityOfService QoS { get; private set; }

    /// <summary>The RETAIN flag it was published with.</summary>
    public bool Retain { get; private set; }

    /// <summary>The client that published it (null for broker-generated messages such as $SYS).</summary>
    public string? PublisherClientId { get; private set; }

    /// <summary>When the message expires, as a <see cref="TimeProvider"/> timestamp; 0 when it does not.</summary>
    public long ExpiresAt { get; private set; }

    /// <summary>Whether the Message Expiry Interval has passed at <paramref name="now"/>.</summary>
    public bool IsExpired(long now) => ExpiresAt != 0 && now >= ExpiresAt;

    /// <summary>
    /// Copies a received PUBLISH into a message from <paramref name="pool"/>, holding one reference for the caller (the
    /// router), who releases it once the message is routed.
    /// </summary>
    public static BrokerMessage FromPublish(in PublishPacket packet, ReadOnlySpan<byte> topic, string? publisherClientId, TimeProvider time, MessagePool pool)
    {
        var properties = packet.Properties.Raw;
        var payload = packet.Payload;
        int forwardedLength = ForwardedPropertiesLength(properties);
        int length = topic.Length + forwardedLength + payload.Length;
        var message = pool.Take();
        message._buffer = pool.RentBuffer(length);
        message._pooledBuffer = true;
        message._length = length;
        message._topicLength = topic.Length;
        message._propertiesLength = forwardedLength;
        message.QoS = packet.QoS;
        message.Retain = packet.Retain;
        message.PublisherClientId = publisherClientId;
        message.ExpiresAt = ExpiresAtOf(properties, time);
        Fill(message._buffer, topic, properties, forwardedLength, payload);
        message.Revive();
        return message;
    }

    /// <summary>Creates a message outside the pool (a will, a $SYS value, an administrative publish); its Message Expiry Interval, if any, starts counting now.</summary>
    public static BrokerMessage Create(ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain, string? publisherClientId, TimeProvider time)
    {
        int forwardedLength = ForwardedPropertiesLength(properties);
        var buffer = new byte[topic.Length + forwardedLength + payload.Length];
        Fill(buffer, topic, properties, forwardedLength, payload);
        return new BrokerMessage(buffer, topic.Length, forwardedLength, qos, retain, publisherClientId, ExpiresAtOf(properties, time));
    }

    /// <summary>The shared encoding for subscribers of <paramref name="version"/> at <paramref name="qos"/> with this retain flag.</summary>
    public EncodedPublish GetEncoding(ProtocolVersion version, QualityOfService qos, bool retain)
    {
        AssertLive();
        bool v5 = version == ProtocolVersion.V500;
        int slot = ((v5 ? 1 : 0) * 6) + ((int)qos * 2) + (retain ? 1 : 0);
        int bit = 1 << slot;
        if ((Volatile.Read(ref _built) & bit) != 0)
        {
            return _encodings![slot]!;
        }

        // Publishers' and subscribers' threads may ask for the same encoding at once (routing, a resend on attach, a
        // window refilled by a PUBACK): the first builds it, the others wait for it. Built once per slot and generation.
        lock (_encodingGate)
        {
            _encodings ??= new EncodedPublish?[EncodingSlots];
            var encoded = _encodings[slot] ??= new EncodedPublish(this);
            if ((_built & bit) == 0)
            {
                var properties = v5 ? Properties : default;
                var topic = Topic;
                int size = PublishPacket.GetSize(version, qos, topic.Length, properties.Length, PayloadLength);
                bool pooled = _pool is not null && Volatile.Read(ref _pinned) == 0;
                byte[] bytes = pooled ? _pool!.RentBuffer(size) : new byte[size];
                var (packetIdOffset, expiryOffset) = Encode(bytes.AsSpan(0, size), v5, qos, retain, properties, topic);
                encoded.Set(bytes, size, pooled, packetIdOffset, expiryOffset);
                Volatile.Write(ref _built, _built | bit);
            }

            return encoded;
        }
    }

    /// <summary>
    /// An encoding for one MQTT 5.0 subscriber, not cached: the shared properties plus one Subscription Identifier per
    /// matching subscription ([MQTT-3.3.4-3] in 5.0) and, with outbound topic aliases, a Topic Alias — with the topic
    /// left out once the client knows the alias (5.0 §3.3.2.3.4). Allocates: per-subscriber properties are the
    /// documented exception to the pooled path.
    /// </summary>
    public EncodedPublish CreateEncoding(QualityOfService qos, bool retain, ReadOnlySpan<int> subscriptionIdentifiers, ushort topicAlias = 0, bool omitTopic = false)
    {
        int extra = topicAlias == 0 ? 0 : PropertyWriter.SizeOfUInt16;
        foreach (int id in subscriptionIdentifiers)
        {
            extra += PropertyWriter.SizeOfVariableByteInteger(id);
        }

        var properties = new byte[_propertiesLength + extra];
        Properties.CopyTo(properties);
        var writer = new PropertyWriter(properties.AsSpan(_propertiesLength));
        foreach (int id in subscriptionIdentifiers)
        {
            writer.WriteVariableByteInteger(PropertyId.SubscriptionIdentifier, id);
        }

        if (topicAlias != 0)
        {
            writer.WriteUInt16(PropertyId.TopicAlias, topicAlias);
        }

        var topic = omitTopic ? default : Topic;
        var bytes = new byte[PublishPacket.GetSize(ProtocolVersion.V500, qos, topic.Length, properties.Length, PayloadLength)];
        var (packetIdOffset, expiryOffset) = Encode(bytes, v5: true, qos, retain, properties, topic);
        return new EncodedPublish(this, bytes, packetIdOffset, expiryOffset);
    }

    private static long ExpiresAtOf(ReadOnlySpan<byte> properties, TimeProvider time) =>
        !properties.IsEmpty && new MqttProperties(properties).TryGetInteger(PropertyId.MessageExpiryInterval, out uint seconds)
            ? time.GetTimestamp() + (seconds * time.TimestampFrequency)
            : 0;

    private static void Fill(Span<byte> buffer, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, int forwardedLength, ReadOnlySpan<byte> payload)
    {
        topic.CopyTo(buffer);
        CopyForwardedProperties(properties, buffer.Slice(topic.Length, forwardedLength));
        payload.CopyTo(buffer[(topic.Length + forwardedLength)..]);
    }

    // Writes the packet into a destination of exactly its size; returns where the writer patches it.
    private (int PacketIdentifierOffset, int ExpiryOffset) Encode(Span<byte> destination, bool v5, QualityOfService qos, bool retain, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> topic)
    {
        var version = v5 ? ProtocolVersion.V500 : ProtocolVersion.V311;
        PublishPacket.TryWrite(destination, version, new PublishHeader(qos, retain), topic, properties, Payload, out _);

        // The packet identifier follows the fixed header and the length-prefixed topic; the properties follow it.
        int afterTopic = FixedHeaderLength(destination) + 2 + topic.Length;
        int packetIdOffset = qos == QualityOfService.AtMostOnce ? -1 : afterTopic;
        int expiryOffset = -1;
        if (v5 && ExpiresAt != 0)
        {
            int propertiesStart = afterTopic + (qos == QualityOfService.AtMostOnce ? 0 : 2);
            expiryOffset = propertiesStart + VariableByteInteger.GetSize(properties.Length) + 1;
        }

        return (packetIdOffset, expiryOffset);
    }

    private static int FixedHeaderLength(ReadOnlySpan<byte> frame)
    {
        int last = 1; // the remaining length starts at byte 1 and ends at the first byte without the continuation bit
        while ((frame[last] & 0x80) != 0)
        {
            last++;
        }

        return last + 1;
    }
}
