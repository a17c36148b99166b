using System.Buffers;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded UNSUBSCRIBE (3.1.1 §3.10, 5.0 §3.10): a read-only view over the packet's bytes. The Topic Filters are
/// slices of the receive buffer; copy what must outlive it.
/// </summary>
public readonly ref struct UnsubscribePacket
{
    /// <summary>The packet identifier; never 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 properties: User Properties only (empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>The Topic Filters, at least one; enumerate with <c>foreach</c>.</summary>
    public TopicFilterList TopicFilters { get; init; }

    /// <summary>
    /// Decodes an UNSUBSCRIBE body and validates every filter up front, so that enumerating <see cref="TopicFilters"/>
    /// cannot fail: flags 0010, non-zero packet identifier, properties (5.0), at least one filter, each non-empty
    /// well-formed UTF-8 without U+0000. Wildcard placement is not checked. Never throws.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out UnsubscribePacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        if (header.Type != PacketType.Unsubscribe)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not an UNSUBSCRIBE fixed header");
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadUInt16(out ushort packetId))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.10.2" : "3.1.1 §3.10.2", "UNSUBSCRIBE ends inside the packet identifier");
            return false;
        }

        if (packetId == 0)
        {
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "UNSUBSCRIBE with packet identifier 0");
            return false;
        }

        MqttProperties properties = default;
        if (v5 && !PropertyReader.TryReadBlock(ref reader, PropertyContext.Unsubscribe, out properties, out violation))
        {
            return false;
        }

        var payload = reader.ReadToEnd();
        var filters = new MqttReader(payload);
        int count = 0;
        while (!filters.End)
        {
            if (!filters.TryReadLengthPrefixed(out var filter))
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.10.3" : "3.1.1 §3.10.3", "UNSUBSCRIBE ends inside a topic filter");
                return false;
            }

            violation = TopicFilterList.Validate(filter, v5);
            if (!violation.IsNone)
            {
                return false;
            }

            count++;
        }

        if (count == 0)
        {
            // Both versions: "The Payload of an UNSUBSCRIBE packet MUST contain at least one Topic Filter" [MQTT-3.10.3-2].
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-3.10.3-2" : "3.1.1 MQTT-3.10.3-2", "UNSUBSCRIBE without any topic filter");
            return false;
        }

        packet = new UnsubscribePacket
        {
            PacketIdentifier = packetId,
            Properties = properties,
            TopicFilters = new TopicFilterList(payload, count),
        };
        return true;
    }

    /// <summary>The whole encoded size of an UNSUBSCRIBE with these parts.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static int GetSize(ushort packetId, ReadOnlySpan<string> topicFilters, ReadOnlySpan<byte> properties, ProtocolVersion version) =>
        PacketSize.Total(GetRemainingLength(packetId, topicFilters, properties, version));

    /// <summary>Writes an UNSUBSCRIBE into <paramref name="writer"/>, all or nothing, and returns the bytes written.</summary>
    /// <param name="writer">The destination.</param>
    /// <param name="packetId">A non-zero packet identifier.</param>
    /// <param name="topicFilters">At least one Topic Filter, each as it was subscribed.</param>
    /// <param name="properties">Encoded 5.0 properties (User Properties) without the length prefix; ignored before 5.0.</param>
    /// <param name="version">Protocol version.</param>
    /// <exception cref="ArgumentException">
    /// Packet identifier 0; no filter; an empty filter, one holding U+0000, or one longer than 65,535 bytes; or a packet
    /// longer than the largest remaining length.
    /// </exception>
    public static int Write(IBufferWriter<byte> writer, ushort packetId, ReadOnlySpan<string> topicFilters, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packetId, topicFilters, properties, version);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packetId, topicFilters, properties, version, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes an UNSUBSCRIBE into <paramref name="destination"/> if it fits; writes nothing otherwise.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static bool TryWrite(Span<byte> destination, ushort packetId, ReadOnlySpan<string> topicFilters, ReadOnlySpan<byte> properties, ProtocolVersion version, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packetId, topicFilters, properties, version);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, packetId, topicFilters, properties, version, remaining);
        bytesWritten = size;
        return true;
    }

    private static int GetRemainingLength(ushort packetId, ReadOnlySpan<string> topicFilters, ReadOnlySpan<byte> properties, ProtocolVersion version)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packetId);
        if (topicFilters.IsEmpty)
        {
            throw new ArgumentException("An UNSUBSCRIBE holds at least one Topic Filter ([MQTT-3.10.3-2]).", nameof(topicFilters));
        }

        long length = 2 + (version == ProtocolVersion.V500 ? PacketSize.PropertyBlock(properties.Length) : 0);
        foreach (string filter in topicFilters)
        {
            length += TopicFilterList.GetEncodedLength(filter, nameof(topicFilters));
        }

        if (length > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"A packet's remaining length is at most {VariableByteInteger.MaxValue}; this UNSUBSCRIBE would be {length}.", nameof(topicFilters));
        }

        return (int)length;
    }

    private static void WriteCore(Span<byte> destination, ushort packetId, ReadOnlySpan<string> topicFilters, ReadOnlySpan<byte> properties, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(((byte)PacketType.Unsubscribe << 4) | 0x02, remaining);
        w.WriteUInt16(packetId);
        if (version == ProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(properties.Length);
            w.WriteBytes(properties);
        }

        foreach (string filter in topicFilters)
        {
            w.WriteString(filter);
        }
    }
}
