using System.Buffers;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Messages;

/// <summary>
/// An Application Message inside the broker: topic, properties and payload copied once from the receive buffer into a
/// single array (copy 1 of the PUBLISH path), immutable from then on and shared by every session it is routed to.
/// Encodings are built lazily, one per (protocol family, QoS, retain flag), and cached on the message.
/// </summary>
internal sealed partial class BrokerMessage
{
    // 2 protocol families (3.1/3.1.1 share a wire format; 5.0) x 3 QoS x 2 retain flags.
    private readonly EncodedPublish?[] _encodings = new EncodedPublish?[12];
    private readonly byte[] _buffer;
    private readonly int _topicLength;
    private readonly int _propertiesLength;

    private BrokerMessage(byte[] buffer, int topicLength, int propertiesLength, QualityOfService qos, bool retain, string? publisherClientId, long expiresAt)
    {
        _buffer = buffer;
        _topicLength = topicLength;
        _propertiesLength = propertiesLength;
        QoS = qos;
        Retain = retain;
        PublisherClientId = publisherClientId;
        ExpiresAt = expiresAt;
    }

    /// <summary>The Topic Name as UTF-8.</summary>
    public ReadOnlySpan<byte> Topic => _buffer.AsSpan(0, _topicLength);

    /// <summary>
    /// The MQTT 5.0 properties to forward: Message Expiry Interval first (so its value sits at a fixed offset the writer
    /// can patch), then the others in their received order; Topic Alias, Subscription Identifier and Will Delay Interval
    /// removed.
    /// </summary>
    public ReadOnlySpan<byte> Properties => _buffer.AsSpan(_topicLength, _propertiesLength);

    /// <summary>The payload.</summary>
    public ReadOnlySpan<byte> Payload => _buffer.AsSpan(_topicLength + _propertiesLength);

    /// <summary>The payload length in bytes.</summary>
    public int PayloadLength => _buffer.Length - _topicLength - _propertiesLength;

    /// <summary>The QoS the message was published with.</summary>
    public QualityOfService QoS { get; }

    /// <summary>The RETAIN flag it was published with.</summary>
    public bool Retain { get; }

    /// <summary>The client that published it (null for broker-generated messages such as $SYS).</summary>
    public string? PublisherClientId { get; }

    /// <summary>When the message expires, as a <see cref="TimeProvider"/> timestamp; 0 when it does not.</summary>
    public long ExpiresAt { get; }

    /// <summary>Whether the Message Expiry Interval has passed at <paramref name="now"/>.</summary>
    public bool IsExpired(long now) => ExpiresAt != 0 && now >= ExpiresAt;

    /// <summary>Copies a received PUBLISH into a broker message.</summary>
    public static BrokerMessage FromPublish(in PublishPacket packet, ReadOnlySpan<byte> topic, string? publisherClientId, TimeProvider time) =>
        Create(topic, packet.Properties.Raw, packet.Payload, packet.QoS, packet.Retain, publisherClientId, time);

    /// <summary>Creates a message; its Message Expiry Interval, if any, starts counting now.</summary>
    public static BrokerMessage Create(ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain, string? publisherClientId, TimeProvider time)
    {
        long expiresAt = 0;
        if (!properties.IsEmpty && new MqttProperties(properties).TryGetInteger(PropertyId.MessageExpiryInterval, out uint seconds))
        {
            expiresAt = time.GetTimestamp() + (seconds * time.TimestampFrequency);
        }

        int forwardedLength = ForwardedPropertiesLength(properties);
        var buffer = new byte[topic.Length + forwardedLength + payload.Length];
        topic.CopyTo(buffer);
        CopyForwardedProperties(properties, buffer.AsSpan(topic.Length, forwardedLength));
        payload.CopyTo(buffer.AsSpan(topic.Length + forwardedLength));
        return new BrokerMessage(buffer, topic.Length, forwardedLength, qos, retain, publisherClientId, expiresAt);
    }

    /// <summary>The shared encoding for subscribers of <paramref name="version"/> at <paramref name="qos"/> with this retain flag.</summary>
    public EncodedPublish GetEncoding(ProtocolVersion version, QualityOfService qos, bool retain)
    {
        bool v5 = version == ProtocolVersion.V500;
        int slot = ((v5 ? 1 : 0) * 6) + ((int)qos * 2) + (retain ? 1 : 0);
        var encoded = Volatile.Read(ref _encodings[slot]);
        if (encoded is not null)
        {
            return encoded;
        }

        // Two threads may race to build the same encoding; both results are identical, and one wins the slot.
        encoded = Encode(v5, qos, retain, v5 ? Properties : default, omitTopic: false);
        return Interlocked.CompareExchange(ref _encodings[slot], encoded, null) ?? encoded;
    }

    /// <summary>
    /// An encoding for one MQTT 5.0 subscriber, not cached: the shared properties plus one Subscription Identifier per
    /// matching subscription ([MQTT-3.3.4-3] in 5.0) and, with outbound topic aliases, a Topic Alias — with the topic
    /// left out once the client knows the alias (5.0 §3.3.2.3.4).
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

        return Encode(v5: true, qos, retain, properties, omitTopic);
    }

    private EncodedPublish Encode(bool v5, QualityOfService qos, bool retain, ReadOnlySpan<byte> properties, bool omitTopic)
    {
        var version = v5 ? ProtocolVersion.V500 : ProtocolVersion.V311;
        var topic = omitTopic ? default : Topic;
        var writer = new ArrayBufferWriter<byte>(PublishPacket.GetSize(version, qos, topic.Length, properties.Length, PayloadLength));
        PublishPacket.Write(writer, version, new PublishHeader(qos, retain), topic, properties, Payload);
        var bytes = writer.WrittenSpan.ToArray();

        // The packet identifier follows the fixed header and the length-prefixed topic; the properties follow it.
        int afterTopic = FixedHeaderLength(bytes) + 2 + topic.Length;
        int packetIdOffset = qos == QualityOfService.AtMostOnce ? -1 : afterTopic;
        int expiryOffset = -1;
        if (v5 && ExpiresAt != 0)
        {
            int propertiesStart = afterTopic + (qos == QualityOfService.AtMostOnce ? 0 : 2);
            expiryOffset = propertiesStart + VariableByteInteger.GetSize(properties.Length) + 1;
        }

        return new EncodedPublish(bytes, packetIdOffset, expiryOffset, ExpiresAt);
    }

    private static int FixedHeaderLength(byte[] frame)
    {
        int last = 1; // the remaining length starts at byte 1 and ends at the first byte without the continuation bit
        while ((frame[last] & 0x80) != 0)
        {
            last++;
        }

        return last + 1;
    }
}
