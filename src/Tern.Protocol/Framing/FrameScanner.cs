using System.Buffers;

namespace Tern.Protocol.Framing;

/// <summary>
/// Finds packet boundaries in a byte stream. It reads only the fixed header, so a peer's declared length is judged
/// against the size limit before a single byte of the body is buffered (CVE-2017-7651, CVE-2023-0809: never reserve
/// memory for a length a peer merely claims).
/// </summary>
public static class FrameScanner
{
    /// <summary>
    /// Scans the start of <paramref name="buffer"/> for one packet.
    /// </summary>
    /// <param name="buffer">Received bytes, possibly in several segments.</param>
    /// <param name="maximumPacketSize">The largest whole packet accepted (fixed header included, as MQTT 5.0's Maximum Packet Size counts it).</param>
    /// <param name="header">The fixed header, set when the header itself could be read (also for too-large packets).</param>
    /// <param name="violation">Why the frame is invalid: 0x81 for a remaining length of 5 bytes or a non-minimal one, 0x95 for a packet over the limit.</param>
    /// <returns>
    /// <see cref="FrameStatus.Complete"/> when <c>buffer.Slice(0, header.TotalLength)</c> is the whole packet;
    /// <see cref="FrameStatus.NeedMoreData"/> when more bytes are needed (the header may already be known);
    /// <see cref="FrameStatus.Invalid"/> otherwise.
    /// </returns>
    public static FrameStatus TryScan(in ReadOnlySequence<byte> buffer, int maximumPacketSize, out FixedHeader header, out ProtocolViolation violation)
    {
        violation = default;
        header = default;
        if (buffer.IsEmpty)
        {
            return FrameStatus.NeedMoreData;
        }

        if (buffer.IsSingleSegment)
        {
            return TryScan(buffer.FirstSpan, maximumPacketSize, out header, out violation);
        }

        // A fixed header is at most 5 bytes: copy those few across the segment boundary, never the body.
        Span<byte> scratch = stackalloc byte[1 + VariableByteInteger.MaxLength];
        var head = buffer.Length > scratch.Length ? buffer.Slice(0, scratch.Length) : buffer;
        head.CopyTo(scratch);
        var status = ScanHeader(scratch[..(int)head.Length], maximumPacketSize, out header, out violation);
        if (status != FrameStatus.Complete)
        {
            return status;
        }

        return buffer.Length >= header.TotalLength ? FrameStatus.Complete : FrameStatus.NeedMoreData;
    }

    /// <summary>Scans the start of a contiguous buffer for one packet. See <see cref="TryScan(in ReadOnlySequence{byte}, int, out FixedHeader, out ProtocolViolation)"/>.</summary>
    public static FrameStatus TryScan(ReadOnlySpan<byte> buffer, int maximumPacketSize, out FixedHeader header, out ProtocolViolation violation)
    {
        var status = ScanHeader(buffer, maximumPacketSize, out header, out violation);
        if (status != FrameStatus.Complete)
        {
            return status;
        }

        return buffer.Length >= header.TotalLength ? FrameStatus.Complete : FrameStatus.NeedMoreData;
    }

    // Complete here means "the fixed header is known and acceptable".
    private static FrameStatus ScanHeader(ReadOnlySpan<byte> buffer, int maximumPacketSize, out FixedHeader header, out ProtocolViolation violation)
    {
        header = default;
        violation = default;
        if (buffer.IsEmpty)
        {
            return FrameStatus.NeedMoreData;
        }

        switch (VariableByteInteger.TryRead(buffer[1..], out int remaining, out int lengthSize))
        {
            case OperationStatus.NeedMoreData:
                return FrameStatus.NeedMoreData;
            case OperationStatus.InvalidData:
                violation = lengthSize > VariableByteInteger.MaxLength
                    ? ProtocolViolation.Malformed("5.0 §1.5.5, 3.1.1 §2.2.3", "remaining length longer than 4 bytes")
                    : ProtocolViolation.Malformed("5.0 MQTT-1.5.5-1", "remaining length not encoded in the minimum number of bytes");
                return FrameStatus.Invalid;
        }

        header = new FixedHeader(buffer[0], remaining, 1 + lengthSize);
        if ((long)header.TotalLength > maximumPacketSize)
        {
            violation = new ProtocolViolation(ReasonCode.PacketTooLarge, "5.0 §3.1.2.11.4", "packet larger than the maximum packet size");
            return FrameStatus.Invalid;
        }

        return FrameStatus.Complete;
    }
}
