using System.Buffers;
using System.Runtime.InteropServices;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded UNSUBACK (3.1.1 §3.11, 5.0 §3.11). Before 5.0 it is only a packet identifier (remaining length exactly 2);
/// in 5.0 it adds properties and one Reason Code per Topic Filter of the UNSUBSCRIBE, in the same order. A view over
/// the packet's bytes; build one with an object initializer to write it.
/// </summary>
public readonly ref struct UnsubAckPacket
{
    /// <summary>The packet identifier of the UNSUBSCRIBE being acknowledged; never 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 properties: Reason String and User Properties (empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>5.0: one Unsubscribe Reason Code per Topic Filter, at least one. Empty before 5.0, which has none.</summary>
    public ReadOnlySpan<ReasonCode> ReasonCodes { get; init; }

    /// <summary>
    /// Decodes an UNSUBACK body: flags 0000, non-zero packet identifier; before 5.0 nothing else (remaining length 2);
    /// in 5.0 properties and at least one Reason Code, each one that UNSUBACK may carry. Never throws.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out UnsubAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        if (header.Type != PacketType.UnsubAck)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not an UNSUBACK fixed header");
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadUInt16(out ushort packetId))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.11.2" : "3.1.1 §3.11.2", "UNSUBACK ends inside the packet identifier");
            return false;
        }

        if (packetId == 0)
        {
            // The UNSUBSCRIBE it answers had a non-zero identifier, and the UNSUBACK carries the same one.
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "UNSUBACK with packet identifier 0");
            return false;
        }

        if (!v5)
        {
            // 3.1.1 §3.11.1: "This is the length of the variable header. For the UNSUBACK Packet this has the value 2."
            if (!reader.End)
            {
                violation = ProtocolViolation.Malformed("3.1.1 §3.11.1", "UNSUBACK with a remaining length other than 2");
                return false;
            }

            packet = new UnsubAckPacket { PacketIdentifier = packetId };
            return true;
        }

        if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.UnsubAck, out var properties, out violation))
        {
            return false;
        }

        var codes = MemoryMarshal.Cast<byte, ReasonCode>(reader.ReadToEnd());
        if (codes.IsEmpty)
        {
            // An UNSUBSCRIBE holds at least one filter [MQTT-3.10.3-2] and the UNSUBACK one Reason Code for each (§3.11.3).
            violation = ProtocolViolation.ProtocolError("5.0 §3.11.3", "UNSUBACK without any Reason Code");
            return false;
        }

        foreach (var code in codes)
        {
            if (!Tern.Protocol.ReasonCodes.IsAllowedIn(code, PacketType.UnsubAck))
            {
                violation = ProtocolViolation.ProtocolError("5.0 MQTT-3.11.3-2", "Reason Code not allowed in UNSUBACK");
                return false;
            }
        }

        packet = new UnsubAckPacket
        {
            PacketIdentifier = packetId,
            Properties = properties,
            ReasonCodes = codes,
        };
        return true;
    }

    /// <summary>The whole encoded size of <paramref name="packet"/> in <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static int GetSize(in UnsubAckPacket packet, ProtocolVersion version) => PacketSize.Total(GetRemainingLength(packet, version));

    /// <summary>
    /// Writes <paramref name="packet"/> into <paramref name="writer"/>, all or nothing. Before 5.0 only the packet
    /// identifier is written: properties and Reason Codes do not exist there and are ignored.
    /// </summary>
    /// <exception cref="ArgumentException">Packet identifier 0; in 5.0, no Reason Code or one UNSUBACK cannot carry.</exception>
    public static int Write(IBufferWriter<byte> writer, in UnsubAckPacket packet, ProtocolVersion version)
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
    public static bool TryWrite(Span<byte> destination, in UnsubAckPacket packet, ProtocolVersion version, out int bytesWritten)
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

    private static int GetRemainingLength(in UnsubAckPacket packet, ProtocolVersion version)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packet.PacketIdentifier, nameof(packet));
        if (version != ProtocolVersion.V500)
        {
            return 2;
        }

        if (packet.ReasonCodes.IsEmpty)
        {
            throw new ArgumentException("A 5.0 UNSUBACK holds one Reason Code per Topic Filter, so at least one.", nameof(packet));
        }

        foreach (var code in packet.ReasonCodes)
        {
            if (!Tern.Protocol.ReasonCodes.IsAllowedIn(code, PacketType.UnsubAck))
            {
                throw new ArgumentException($"UNSUBACK cannot carry 0x{(byte)code:X2} ([MQTT-3.11.3-2]).", nameof(packet));
            }
        }

        long length = 2L + PacketSize.PropertyBlock(packet.Properties.Raw.Length) + packet.ReasonCodes.Length;
        if (length > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"A packet's remaining length is at most {VariableByteInteger.MaxValue}; this UNSUBACK would be {length}.", nameof(packet));
        }

        return (int)length;
    }

    private static void WriteCore(Span<byte> destination, in UnsubAckPacket packet, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader((byte)PacketType.UnsubAck << 4, remaining);
        w.WriteUInt16(packet.PacketIdentifier);
        if (version == ProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(packet.Properties.Raw.Length);
            w.WriteBytes(packet.Properties.Raw);
            w.WriteBytes(MemoryMarshal.AsBytes(packet.ReasonCodes));
        }
    }
}
