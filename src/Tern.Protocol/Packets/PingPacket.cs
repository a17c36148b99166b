using System.Buffers;
using Tern.Protocol.Framing;

namespace Tern.Protocol.Packets;

/// <summary>
/// PINGREQ and PINGRESP (3.1.1 §3.12–§3.13, 5.0 §3.12–§3.13). Both are a fixed header and nothing else, so there is
/// no view to decode into: this static class checks a received one (<see cref="TryDecode"/>) and writes the two
/// constant byte pairs <c>C0 00</c> and <c>D0 00</c>.
/// </summary>
public static class PingPacket
{
    /// <summary>The size of either packet on the wire.</summary>
    public const int Size = 2;

    /// <summary>The whole PINGREQ: type 12, flags 0000, remaining length 0.</summary>
    public static ReadOnlySpan<byte> Request => [0xC0, 0x00];

    /// <summary>The whole PINGRESP: type 13, flags 0000, remaining length 0.</summary>
    public static ReadOnlySpan<byte> Response => [0xD0, 0x00];

    /// <summary>
    /// Checks a received PINGREQ or PINGRESP: flags 0000 and remaining length 0. Anything after the fixed header is
    /// Malformed (a PINGREQ has "no variable header" and "no payload", §3.12.2–§3.12.3; likewise PINGRESP). Never throws.
    /// </summary>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out ProtocolViolation violation)
    {
        violation = header.Validate(version);
        if (!violation.IsNone)
        {
            return false;
        }

        bool v5 = version == ProtocolVersion.V500;
        switch (header.Type)
        {
            case PacketType.PingReq:
                if (header.RemainingLength != 0 || !body.IsEmpty)
                {
                    violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.12.1" : "3.1.1 §3.12.1", "PINGREQ with a remaining length other than 0");
                    return false;
                }

                return true;
            case PacketType.PingResp:
                if (header.RemainingLength != 0 || !body.IsEmpty)
                {
                    violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.13.1" : "3.1.1 §3.13.1", "PINGRESP with a remaining length other than 0");
                    return false;
                }

                return true;
            default:
                violation = ProtocolViolation.Malformed(v5 ? "5.0 §2.1.2" : "3.1.1 §2.2.1", "not a PINGREQ or PINGRESP fixed header");
                return false;
        }
    }

    /// <summary>Writes a PINGREQ into <paramref name="writer"/> and returns <see cref="Size"/>.</summary>
    public static int WriteRequest(IBufferWriter<byte> writer) => WriteConstant(writer, Request);

    /// <summary>Writes a PINGRESP into <paramref name="writer"/> and returns <see cref="Size"/>.</summary>
    public static int WriteResponse(IBufferWriter<byte> writer) => WriteConstant(writer, Response);

    /// <summary>Writes a PINGREQ into <paramref name="destination"/> if it has room; writes nothing otherwise.</summary>
    public static bool TryWriteRequest(Span<byte> destination, out int bytesWritten) => TryWriteConstant(destination, Request, out bytesWritten);

    /// <summary>Writes a PINGRESP into <paramref name="destination"/> if it has room; writes nothing otherwise.</summary>
    public static bool TryWriteResponse(Span<byte> destination, out int bytesWritten) => TryWriteConstant(destination, Response, out bytesWritten);

    private static int WriteConstant(IBufferWriter<byte> writer, ReadOnlySpan<byte> packet)
    {
        ArgumentNullException.ThrowIfNull(writer);
        packet.CopyTo(PacketSize.Rent(writer, Size));
        writer.Advance(Size);
        return Size;
    }

    private static bool TryWriteConstant(Span<byte> destination, ReadOnlySpan<byte> packet, out int bytesWritten)
    {
        bool fits = packet.TryCopyTo(destination);
        bytesWritten = fits ? Size : 0;
        return fits;
    }
}
