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
internal sealed class BrokerMessage
{
    // 2 protocol families (3.1/3.1.1 share a wire format; 5.0) x 3 QoS x 2 retain flags.
    private readonly EncodedPublish?[] _encodings = new EncodedPublish?[12];
    private readonly byte[] _buffer;
    private readonly int _topicLength;
    private readonly int _propertiesLength;

    private BrokerMessage(byte[] buffer, int topicLength, int propertiesLength, QualityOfService qos, bool retain, string? publisherClientId)
    {
        _buffer = buffer;
        _topicLength = topicLength;
        _propertiesLength = propertiesLength;
        QoS = qos;
        Retain = retain;
        PublisherClientId = publisherClientId;
    }

    /// <summary>The Topic Name as UTF-8.</summary>
    public ReadOnlySpan<byte> Topic => _buffer.AsSpan(0, _topicLength);

    /// <summary>The MQTT 5.0 properties to forward (Topic Alias removed: aliases belong to one connection).</summary>
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

    /// <summary>Copies a received PUBLISH into a broker message.</summary>
    public static BrokerMessage FromPublish(in PublishPacket packet, ReadOnlySpan<byte> topic, string? publisherClientId) =>
        Create(topic, packet.Properties.Raw, packet.Payload, packet.QoS, packet.Retain, publisherClientId);

    /// <summary>Creates a message, dropping any Topic Alias and Subscription Identifier from <paramref name="properties"/>.</summary>
    public static BrokerMessage Create(ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload, QualityOfService qos, bool retain, string? publisherClientId)
    {
        int forwardedLength = ForwardedPropertiesLength(properties);
        var buffer = new byte[topic.Length + forwardedLength + payload.Length];
        topic.CopyTo(buffer);
        CopyForwardedProperties(properties, buffer.AsSpan(topic.Length, forwardedLength));
        payload.CopyTo(buffer.AsSpan(topic.Length + forwardedLength));
        return new BrokerMessage(buffer, topic.Length, forwardedLength, qos, retain, publisherClientId);
    }

    /// <summary>The encoding for subscribers of <paramref name="version"/> at <paramref name="qos"/> with this retain flag.</summary>
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
        var writer = new ArrayBufferWriter<byte>(PublishPacket.GetSize(version, qos, _topicLength, _propertiesLength, PayloadLength));
        PublishPacket.Write(writer, v5 ? ProtocolVersion.V500 : ProtocolVersion.V311, new PublishHeader(qos, retain), Topic, Properties, Payload);
        var bytes = writer.WrittenSpan.ToArray();
        // The packet identifier follows the fixed header and the length-prefixed topic.
        int offset = qos == QualityOfService.AtMostOnce ? -1 : FixedHeaderLength(bytes) + 2 + _topicLength;
        encoded = new EncodedPublish(bytes, offset);
        return Interlocked.CompareExchange(ref _encodings[slot], encoded, null) ?? encoded;
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

    private static int ForwardedPropertiesLength(ReadOnlySpan<byte> properties)
    {
        if (properties.IsEmpty)
        {
            return 0;
        }

        int length = 0;
        foreach (var p in new MqttProperties(properties))
        {
            if (!IsForwarded(p.Id))
            {
                continue;
            }

            length += PropertySize(p);
        }

        return length;
    }

    private static void CopyForwardedProperties(ReadOnlySpan<byte> properties, Span<byte> destination)
    {
        if (destination.IsEmpty)
        {
            return;
        }

        var writer = new PropertyWriter(destination);
        foreach (var p in new MqttProperties(properties))
        {
            if (!IsForwarded(p.Id))
            {
                continue;
            }

            switch (p.Type)
            {
                case PropertyType.Byte: writer.WriteByte(p.Id, (byte)p.Integer); break;
                case PropertyType.TwoByteInteger: writer.WriteUInt16(p.Id, (ushort)p.Integer); break;
                case PropertyType.FourByteInteger: writer.WriteUInt32(p.Id, p.Integer); break;
                case PropertyType.VariableByteInteger: writer.WriteVariableByteInteger(p.Id, (int)p.Integer); break;
                case PropertyType.Utf8StringPair: writer.WriteUserProperty(p.Value, p.PairValue); break;
                default: writer.WriteBytes(p.Id, p.Value); break;
            }
        }
    }

    // Topic Alias belongs to one connection, Subscription Identifiers to one subscriber, Will Delay Interval to the will only.
    private static bool IsForwarded(PropertyId id) => id is not (PropertyId.TopicAlias or PropertyId.SubscriptionIdentifier or PropertyId.WillDelayInterval);

    private static int PropertySize(in MqttProperty p) => p.Type switch
    {
        PropertyType.Byte => PropertyWriter.SizeOfByte,
        PropertyType.TwoByteInteger => PropertyWriter.SizeOfUInt16,
        PropertyType.FourByteInteger => PropertyWriter.SizeOfUInt32,
        PropertyType.VariableByteInteger => PropertyWriter.SizeOfVariableByteInteger((int)p.Integer),
        PropertyType.Utf8StringPair => PropertyWriter.SizeOfUserProperty(p.Value.Length, p.PairValue.Length),
        _ => PropertyWriter.SizeOfBytes(p.Value.Length),
    };
}
