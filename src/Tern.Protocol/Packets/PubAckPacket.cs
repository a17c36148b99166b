using System.Buffers;
using System.Buffers.Binary;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded PUBACK, PUBREC, PUBREL or PUBCOMP (3.1.1 §3.4–§3.7, 5.0 §3.4–§3.7): the four packets of the QoS 1 and
/// QoS 2 exchanges share one layout, a packet identifier and (5.0) a Reason Code and properties, so one view serves
/// them all and <see cref="Type"/> says which it is. Build one with an object initializer to write it.
/// </summary>
/// <remarks>
/// Wire forms in 5.0 (§3.4.2.1): remaining length 2 (Reason Code omitted, meaning 0x00 Success, no properties), 3
/// (Reason Code, no property length) or 4 and more (Reason Code and property block). Before 5.0 the remaining length
/// is exactly 2. The writers choose the shortest form.
/// </remarks>
public readonly ref struct PubAckPacket
{
    /// <summary>The size of the 2-byte form: first byte, remaining length 2, packet identifier.</summary>
    public const int ShortSize = 4;

    /// <summary>Which of the four packets: <see cref="PacketType.PubAck"/>, <see cref="PacketType.PubRec"/>, <see cref="PacketType.PubRel"/> or <see cref="PacketType.PubComp"/>.</summary>
    public PacketType Type { get; init; }

    /// <summary>The packet identifier of the PUBLISH (or PUBREL) being acknowledged; never 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>The Reason Code (5.0); <see cref="ReasonCode.Success"/> when the packet omits it, and always before 5.0.</summary>
    public ReasonCode ReasonCode { get; init; }

    /// <summary>MQTT 5.0 properties: Reason String and User Properties (empty before 5.0 and in the short forms).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>
    /// Decodes the body of a PUBACK, PUBREC, PUBREL or PUBCOMP; <paramref name="header"/>'s type says which. Checks the
    /// flags (PUBREL: 0010), the length of each form, a non-zero packet identifier, a Reason Code allowed for that
    /// packet, the properties, and that nothing follows the last field. Never throws; never reads outside
    /// <paramref name="body"/>.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out PubAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        var type = header.Type;
        if (!IsAckType(type))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not a PUBACK, PUBREC, PUBREL or PUBCOMP fixed header");
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadUInt16(out ushort packetId))
        {
            violation = ProtocolViolation.Malformed(VariableHeaderSection(type, v5), "acknowledgement ends inside the packet identifier");
            return false;
        }

        if (packetId == 0)
        {
            // A PUBLISH with QoS > 0 never carries identifier 0, so an acknowledgement of 0 acknowledges nothing.
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "acknowledgement with packet identifier 0");
            return false;
        }

        var reasonCode = ReasonCode.Success;
        MqttProperties properties = default;
        if (!v5)
        {
            // 3.1.1 §3.4.1, §3.5.1, §3.6.1, §3.7.1: "the Remaining Length ... has the value 2".
            if (!reader.End)
            {
                violation = ProtocolViolation.Malformed(FixedHeaderSection(type), "acknowledgement with a remaining length other than 2");
                return false;
            }
        }
        else if (!reader.End)
        {
            // 5.0 §3.4.2.1: a Remaining Length of 2 means Success without properties; below 4 there is no Property Length.
            _ = reader.TryReadByte(out byte code);
            reasonCode = (ReasonCode)code;
            if (!reader.End)
            {
                if (!PropertyReader.TryReadBlock(ref reader, PropertyDefinitions.ContextOf(type), out properties, out violation))
                {
                    return false;
                }

                if (!reader.End)
                {
                    violation = ProtocolViolation.Malformed(VariableHeaderSection(type, v5), "bytes after the acknowledgement's properties");
                    return false;
                }
            }
        }

        if (v5 && !ReasonCodes.IsAllowedIn(reasonCode, type))
        {
            violation = ProtocolViolation.ProtocolError(ReasonCodeStatement(type), "Reason Code not allowed in this acknowledgement");
            return false;
        }

        packet = new PubAckPacket
        {
            Type = type,
            PacketIdentifier = packetId,
            ReasonCode = reasonCode,
            Properties = properties,
        };
        return true;
    }

    /// <summary>The whole encoded size of <paramref name="packet"/> in <paramref name="version"/>, in its shortest form.</summary>
    public static int GetSize(in PubAckPacket packet, ProtocolVersion version) => PacketSize.Total(GetRemainingLength(packet, version));

    /// <summary>
    /// Writes <paramref name="packet"/> into <paramref name="writer"/>, all or nothing, in the shortest form: in 5.0 the
    /// Reason Code and property length are left out when the code is Success and there are no properties, and the
    /// property length is left out when there are none. Before 5.0 only the packet identifier is written.
    /// </summary>
    /// <exception cref="ArgumentException">
    /// The type is not one of the four, the packet identifier is 0, the Reason Code is not allowed in that packet, or a
    /// failure Reason Code is written for 3.1 / 3.1.1, which have only positive acknowledgements (sending Success
    /// instead would hide the failure; deciding what to do is the caller's job).
    /// </exception>
    public static int Write(IBufferWriter<byte> writer, in PubAckPacket packet, ProtocolVersion version)
    {
        ArgumentNullException.ThrowIfNull(writer);
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        WriteCore(PacketSize.Rent(writer, size), packet, version, remaining);
        writer.Advance(size);
        return size;
    }

    /// <summary>Writes <paramref name="packet"/> into <paramref name="destination"/> if it fits; writes nothing otherwise.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static bool TryWrite(Span<byte> destination, in PubAckPacket packet, ProtocolVersion version, out int bytesWritten)
    {
        int remaining = GetRemainingLength(packet, version);
        int size = PacketSize.Total(remaining);
        if (!PacketSize.Fits(destination, size))
        {
            bytesWritten = 0;
            return false;
        }

        WriteCore(destination, packet, version, remaining);
        bytesWritten = size;
        return true;
    }

    /// <summary>
    /// The broker's hot path: writes the 4-byte form (<c>40 02 id id</c>, <c>50</c>, <c>62</c>, <c>70</c>) that means
    /// Success without properties in every protocol version, straight into a span: no size computation, no property
    /// handling, no allocation. Returns <see cref="ShortSize"/>.
    /// </summary>
    /// <param name="destination">At least <see cref="ShortSize"/> bytes.</param>
    /// <param name="type">PUBACK, PUBREC, PUBREL or PUBCOMP.</param>
    /// <param name="packetId">The non-zero packet identifier being acknowledged.</param>
    /// <exception cref="ArgumentException">A type other than the four, packet identifier 0, or a destination shorter than 4 bytes.</exception>
    public static int WriteShort(Span<byte> destination, PacketType type, ushort packetId)
    {
        if (!IsAckType(type))
        {
            ThrowNotAckType(type);
        }

        ArgumentOutOfRangeException.ThrowIfZero(packetId);
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, ShortSize, nameof(destination));
        destination[0] = FirstByte(type);
        destination[1] = 2;
        BinaryPrimitives.WriteUInt16BigEndian(destination[2..], packetId);
        return ShortSize;
    }

    private static int GetRemainingLength(in PubAckPacket packet, ProtocolVersion version)
    {
        if (!IsAckType(packet.Type))
        {
            ThrowNotAckType(packet.Type);
        }

        ArgumentOutOfRangeException.ThrowIfZero(packet.PacketIdentifier, nameof(packet));
        if (version != ProtocolVersion.V500)
        {
            if (packet.ReasonCode != ReasonCode.Success)
            {
                throw new ArgumentException("MQTT 3.1 and 3.1.1 acknowledgements carry no Reason Code; only Success can be written.", nameof(packet));
            }

            return 2;
        }

        if (!ReasonCodes.IsAllowedIn(packet.ReasonCode, packet.Type))
        {
            throw new ArgumentException("The Reason Code is not allowed in this acknowledgement (5.0 Table 2-6).", nameof(packet));
        }

        int propertiesLength = packet.Properties.Raw.Length;
        if (propertiesLength > 0)
        {
            return 3 + PacketSize.PropertyBlock(propertiesLength);
        }

        return packet.ReasonCode == ReasonCode.Success ? 2 : 3;
    }

    private static void WriteCore(Span<byte> destination, in PubAckPacket packet, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader(FirstByte(packet.Type), remaining);
        w.WriteUInt16(packet.PacketIdentifier);
        if (version == ProtocolVersion.V500 && remaining > 2)
        {
            w.WriteByte((byte)packet.ReasonCode);
            if (remaining > 3)
            {
                w.WriteVariableByteInteger(packet.Properties.Raw.Length);
                w.WriteBytes(packet.Properties.Raw);
            }
        }
    }

    private static bool IsAckType(PacketType type) => type is PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp;

    // PUBREL's reserved flags are 0010 (3.1.1 MQTT-3.6.1-1, 5.0 MQTT-3.6.1-1); the other three use 0000.
    private static byte FirstByte(PacketType type) => (byte)(((byte)type << 4) | (type == PacketType.PubRel ? 0x02 : 0x00));

    private static string FixedHeaderSection(PacketType type) => type switch
    {
        PacketType.PubAck => "3.1.1 §3.4.1",
        PacketType.PubRec => "3.1.1 §3.5.1",
        PacketType.PubRel => "3.1.1 §3.6.1",
        _ => "3.1.1 §3.7.1",
    };

    private static string VariableHeaderSection(PacketType type, bool v5) => (type, v5) switch
    {
        (PacketType.PubAck, true) => "5.0 §3.4.2",
        (PacketType.PubRec, true) => "5.0 §3.5.2",
        (PacketType.PubRel, true) => "5.0 §3.6.2",
        (_, true) => "5.0 §3.7.2",
        (PacketType.PubAck, false) => "3.1.1 §3.4.2",
        (PacketType.PubRec, false) => "3.1.1 §3.5.2",
        (PacketType.PubRel, false) => "3.1.1 §3.6.2",
        _ => "3.1.1 §3.7.2",
    };

    // "The Client or Server sending the PUBACK packet MUST use one of the PUBACK Reason Codes [MQTT-3.4.2-1]", and the
    // same sentence for PUBREC [MQTT-3.5.2-1], PUBREL [MQTT-3.6.2-1] and PUBCOMP [MQTT-3.7.2-1].
    private static string ReasonCodeStatement(PacketType type) => type switch
    {
        PacketType.PubAck => "5.0 MQTT-3.4.2-1",
        PacketType.PubRec => "5.0 MQTT-3.5.2-1",
        PacketType.PubRel => "5.0 MQTT-3.6.2-1",
        _ => "5.0 MQTT-3.7.2-1",
    };

    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    private static void ThrowNotAckType(PacketType type) =>
        throw new ArgumentException($"{type} is not PUBACK, PUBREC, PUBREL or PUBCOMP.", nameof(type));
}
