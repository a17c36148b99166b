using System.Buffers;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Packets;

/// <summary>The fixed-header flags and packet identifier of a PUBLISH, for writing one.</summary>
/// <param name="QoS">Quality of service.</param>
/// <param name="Retain">The RETAIN flag.</param>
/// <param name="Duplicate">The DUP flag: this is a redelivery. Must be false for QoS 0 ([MQTT-3.3.1-2]).</param>
/// <param name="PacketIdentifier">Non-zero for QoS 1 and 2; ignored for QoS 0.</param>
public readonly record struct PublishHeader(QualityOfService QoS, bool Retain = false, bool Duplicate = false, ushort PacketIdentifier = 0)
{
    /// <summary>The first byte of the fixed header.</summary>
    public byte FirstByte => (byte)(((byte)PacketType.Publish << 4) | (Duplicate ? 0x08 : 0) | ((byte)QoS << 1) | (Retain ? 0x01 : 0));
}

/// <summary>
/// A decoded PUBLISH (3.1.1 §3.3, 5.0 §3.3): a read-only view over the packet's bytes. Topic, properties and payload
/// are slices of the receive buffer; copy what must outlive it.
/// </summary>
public readonly ref struct PublishPacket
{
    /// <summary>The DUP flag.</summary>
    public bool Duplicate { get; init; }

    /// <summary>The quality of service.</summary>
    public QualityOfService QoS { get; init; }

    /// <summary>The RETAIN flag.</summary>
    public bool Retain { get; init; }

    /// <summary>The Topic Name as UTF-8 bytes. Empty only in MQTT 5.0 when a Topic Alias stands for it.</summary>
    public ReadOnlySpan<byte> TopicName { get; init; }

    /// <summary>The packet identifier; 0 for QoS 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 properties (empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>The Application Message payload.</summary>
    public ReadOnlySpan<byte> Payload { get; init; }

    /// <summary>The Topic Alias, or 0 when there is none (0 is never a valid alias, [MQTT-3.3.2-8]).</summary>
    public ushort TopicAlias => Properties.TryGetInteger(PropertyId.TopicAlias, out uint alias) ? (ushort)alias : (ushort)0;

    /// <summary>
    /// Decodes a PUBLISH body. Checks flags, topic (UTF-8, no wildcards, not empty unless a 5.0 Topic Alias stands for
    /// it), packet identifier (non-zero for QoS 1/2), properties, and the Response Topic.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out PublishPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        var qos = (QualityOfService)((header.Flags >> 1) & 0x03);
        var reader = new MqttReader(body);
        if (!reader.TryReadLengthPrefixed(out var topic))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.3.2.1" : "3.1.1 §3.3.2.1", "PUBLISH ends inside the topic name");
            return false;
        }

        ushort packetId = 0;
        if (qos != QualityOfService.AtMostOnce)
        {
            if (!reader.TryReadUInt16(out packetId))
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.3.2.2" : "3.1.1 §3.3.2.2", "PUBLISH ends inside the packet identifier");
                return false;
            }

            if (packetId == 0)
            {
                violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "PUBLISH QoS > 0 with packet identifier 0");
                return false;
            }
        }

        MqttProperties properties = default;
        if (v5)
        {
            if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.Publish, out properties, out violation))
            {
                return false;
            }

            if (properties.TryGetBytes(PropertyId.ResponseTopic, out var responseTopic) && !Topics.TopicName.IsValid(responseTopic))
            {
                violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.3.2-14", "Response Topic is not a valid topic name");
                return false;
            }
        }

        if (!(topic.IsEmpty && v5 && properties.TryGetInteger(PropertyId.TopicAlias, out _)))
        {
            violation = Topics.TopicName.Validate(topic, version);
            if (!violation.IsNone)
            {
                return false;
            }
        }

        packet = new PublishPacket
        {
            Duplicate = (header.Flags & 0x08) != 0,
            QoS = qos,
            Retain = (header.Flags & 0x01) != 0,
            TopicName = topic,
            PacketIdentifier = packetId,
            Properties = properties,
            Payload = reader.ReadToEnd(),
        };
        return true;
    }

    /// <summary>The whole encoded size of a PUBLISH with these parts.</summary>
    /// <param name="version">Protocol version (properties are written only for 5.0).</param>
    /// <param name="qos">Quality of service (QoS 0 has no packet identifier).</param>
    /// <param name="topicLength">UTF-8 bytes of the topic (0 with a 5.0 Topic Alias).</param>
    /// <param name="propertiesLength">Bytes of the encoded properties, without their length prefix.</param>
    /// <param name="payloadLength">Bytes of the payload.</param>
    public static int GetSize(ProtocolVersion version, QualityOfService qos, int topicLength, int propertiesLength, int payloadLength) =>
        PacketSize.Total(GetRemainingLength(version, qos, topicLength, propertiesLength, payloadLength));

    /// <summary>Writes a PUBLISH into <paramref name="writer"/>, all or nothing, and returns the bytes written.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="version">Protocol version; <paramref name="properties"/> are written only for 5.0.</param>
    /// <param name="header">Flags and packet identifier.</param>
    /// <param name="topic">The topic name as UTF-8 bytes.</param>
    /// <param name="properties">Encoded properties (see <see cref="PropertyWriter"/>), without the length prefix.</param>
    /// <param name="payload">The payload.</param>
    public static int Write(IBufferWriter<byte> writer, ProtocolVersion version, in PublishHeader header, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload)
    {
        int remaining = GetRemainingLength(version, header.QoS, topic.Length, properties.Length, payload.Length);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), version, header, remaining, topic, properties, payload);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes a PUBLISH into <paramref name="destination"/> if it fits; writes nothing otherwise.</summary>
    public static bool TryWrite(Span<byte> destination, ProtocolVersion version, in PublishHeader header, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload, out int bytesWritten)
    {
        int remaining = GetRemainingLength(version, header.QoS, topic.Length, properties.Length, payload.Length);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, version, header, remaining, topic, properties, payload);
        bytesWritten = size;
        return true;
    }

    private static int GetRemainingLength(ProtocolVersion version, QualityOfService qos, int topicLength, int propertiesLength, int payloadLength)
    {
        if ((uint)qos > 2)
        {
            throw new ArgumentOutOfRangeException(nameof(qos), qos, "QoS is 0, 1 or 2.");
        }

        long length = PacketSize.LengthPrefixed(topicLength)
            + (qos == QualityOfService.AtMostOnce ? 0 : 2)
            + (version == ProtocolVersion.V500 ? PacketSize.PropertyBlock(propertiesLength) : 0)
            + (long)payloadLength;
        if (length > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"A PUBLISH holds at most {VariableByteInteger.MaxValue} bytes after its fixed header; this one would need {length}.");
        }

        return (int)length;
    }

    private static void WriteCore(Span<byte> destination, ProtocolVersion version, in PublishHeader header, int remaining, ReadOnlySpan<byte> topic, ReadOnlySpan<byte> properties, ReadOnlySpan<byte> payload)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(header.FirstByte, remaining);
        w.WriteLengthPrefixed(topic);
        if (header.QoS != QualityOfService.AtMostOnce)
        {
            w.WriteUInt16(header.PacketIdentifier);
        }

        if (version == ProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(properties.Length);
            w.WriteBytes(properties);
        }

        w.WriteBytes(payload);
    }
}
