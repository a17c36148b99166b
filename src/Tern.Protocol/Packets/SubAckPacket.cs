using System.Buffers;
using System.Runtime.InteropServices;
using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded SUBACK (3.1.1 §3.9, 5.0 §3.9): packet identifier, properties (5.0) and one Reason Code (3.x: return code)
/// per Topic Filter of the SUBSCRIBE, in the same order. A view over the packet's bytes; build one with an object
/// initializer to write it.
/// </summary>
public readonly ref struct SubAckPacket
{
    /// <summary>The packet identifier of the SUBSCRIBE being acknowledged; never 0.</summary>
    public ushort PacketIdentifier { get; init; }

    /// <summary>MQTT 5.0 properties: Reason String and User Properties (empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>
    /// One code per Topic Filter, at least one: Granted QoS 0/1/2, or a failure (3.1.1: 0x80; 5.0: 0x80 and above).
    /// 3.1 knows only 0, 1 and 2.
    /// </summary>
    public ReadOnlySpan<ReasonCode> ReasonCodes { get; init; }

    /// <summary>
    /// Decodes a SUBACK body: flags 0000, non-zero packet identifier, properties (5.0), at least one code, and every code
    /// one that SUBACK may carry in <paramref name="version"/>. Never throws.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out SubAckPacket packet, out ProtocolViolation violation)
    {
        packet = default;
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        if (header.Type != PacketType.SubAck)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not a SUBACK fixed header");
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadUInt16(out ushort packetId))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.9.2" : "3.1.1 §3.9.2", "SUBACK ends inside the packet identifier");
            return false;
        }

        if (packetId == 0)
        {
            // The SUBSCRIBE it answers had a non-zero identifier, and the SUBACK carries the same one.
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-2.2.1-3" : "3.1.1 MQTT-2.3.1-1", "SUBACK with packet identifier 0");
            return false;
        }

        MqttProperties properties = default;
        if (v5 && !PropertyReader.TryReadBlock(ref reader, PropertyContext.SubAck, out properties, out violation))
        {
            return false;
        }

        var codes = MemoryMarshal.Cast<byte, ReasonCode>(reader.ReadToEnd());
        if (codes.IsEmpty)
        {
            // A SUBSCRIBE holds at least one filter and the SUBACK "MUST contain a return code for each Topic Filter".
            violation = ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-3.8.4-6" : "3.1.1 MQTT-3.8.4-5", "SUBACK without any Reason Code");
            return false;
        }

        foreach (var code in codes)
        {
            if (!IsAllowed(code, version))
            {
                violation = ProtocolViolation.ProtocolError(
                    version switch
                    {
                        ProtocolVersion.V500 => "5.0 MQTT-3.9.3-2",
                        ProtocolVersion.V310 => "3.1 §3.9",
                        _ => "3.1.1 MQTT-3.9.3-2",
                    },
                    "SUBACK Reason Code not allowed in this protocol version");
                return false;
            }
        }

        packet = new SubAckPacket
        {
            PacketIdentifier = packetId,
            Properties = properties,
            ReasonCodes = codes,
        };
        return true;
    }

    /// <summary>
    /// Whether SUBACK may carry <paramref name="code"/> in <paramref name="version"/>: 3.1 grants QoS 0, 1, 2 only;
    /// 3.1.1 adds 0x80 Failure ([MQTT-3.9.3-2]); 5.0 allows the Subscribe Reason Codes of §3.9.3.
    /// </summary>
    public static bool IsAllowed(ReasonCode code, ProtocolVersion version) => version switch
    {
        ProtocolVersion.V500 => Tern.Protocol.ReasonCodes.IsAllowedIn(code, PacketType.SubAck),
        ProtocolVersion.V310 => (byte)code <= 2,
        _ => (byte)code <= 2 || code == ReasonCode.UnspecifiedError,
    };

    /// <summary>The whole encoded size of <paramref name="packet"/> in <paramref name="version"/>.</summary>
    /// <exception cref="ArgumentException">As for <see cref="Write"/>.</exception>
    public static int GetSize(in SubAckPacket packet, ProtocolVersion version) => PacketSize.Total(GetRemainingLength(packet, version));

    /// <summary>Writes <paramref name="packet"/> into <paramref name="writer"/>, all or nothing; properties only in 5.0.</summary>
    /// <exception cref="ArgumentException">Packet identifier 0, no Reason Code, or a code SUBACK cannot carry in that version.</exception>
    public static int Write(IBufferWriter<byte> writer, in SubAckPacket packet, ProtocolVersion version)
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
    public static bool TryWrite(Span<byte> destination, in SubAckPacket packet, ProtocolVersion version, out int bytesWritten)
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

    private static int GetRemainingLength(in SubAckPacket packet, ProtocolVersion version)
    {
        ArgumentOutOfRangeException.ThrowIfZero(packet.PacketIdentifier, nameof(packet));
        if (packet.ReasonCodes.IsEmpty)
        {
            throw new ArgumentException("A SUBACK holds one Reason Code per Topic Filter, so at least one.", nameof(packet));
        }

        foreach (var code in packet.ReasonCodes)
        {
            if (!IsAllowed(code, version))
            {
                throw new ArgumentException($"SUBACK cannot carry 0x{(byte)code:X2} in protocol version {version}.", nameof(packet));
            }
        }

        long length = 2L + packet.ReasonCodes.Length
            + (version == ProtocolVersion.V500 ? PacketSize.PropertyBlock(packet.Properties.Raw.Length) : 0);
        if (length > VariableByteInteger.MaxValue)
        {
            throw new ArgumentException($"A packet's remaining length is at most {VariableByteInteger.MaxValue}; this SUBACK would be {length}.", nameof(packet));
        }

        return (int)length;
    }

    private static void WriteCore(Span<byte> destination, in SubAckPacket packet, ProtocolVersion version, int remaining)
    {
        var w = new MqttWriter(destination);
        w.WriteFixedHeader((byte)PacketType.SubAck << 4, remaining);
        w.WriteUInt16(packet.PacketIdentifier);
        if (version == ProtocolVersion.V500)
        {
            w.WriteVariableByteInteger(packet.Properties.Raw.Length);
            w.WriteBytes(packet.Properties.Raw);
        }

        w.WriteBytes(MemoryMarshal.AsBytes(packet.ReasonCodes));
    }
}
