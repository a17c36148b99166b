using Tern.Protocol.Framing;

namespace Tern.Protocol.Packets;

/// <summary>
/// Decodes a packet of any type for validation: the entry point for fuzzing, for tables of malformed input and for
/// tools that inspect traffic. The broker and the client call the typed decoders directly, since they need the views.
/// </summary>
public static class PacketDecoder
{
    /// <summary>
    /// Decodes <paramref name="body"/> as the packet its header names and returns the violation, or none. CONNECT reads
    /// its own protocol version; every other packet is decoded with <paramref name="version"/>.
    /// </summary>
    public static ProtocolViolation Validate(scoped in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version)
    {
        ProtocolViolation violation;
        _ = header.Type switch
        {
            PacketType.Connect => ConnectPacket.TryDecode(header, body, out _, out violation),
            PacketType.ConnAck => ConnAckPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.Publish => PublishPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp => PubAckPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.Subscribe => SubscribePacket.TryDecode(header, body, version, out _, out violation),
            PacketType.SubAck => SubAckPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.Unsubscribe => UnsubscribePacket.TryDecode(header, body, version, out _, out violation),
            PacketType.UnsubAck => UnsubAckPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.PingReq or PacketType.PingResp => PingPacket.TryDecode(header, body, version, out violation),
            PacketType.Disconnect => DisconnectPacket.TryDecode(header, body, version, out _, out violation),
            PacketType.Auth => AuthPacket.TryDecode(header, body, version, out _, out violation),
            _ => IsReserved(header, version, out violation),
        };
        return violation;
    }

    /// <summary>
    /// Scans and decodes one whole frame. Returns <see cref="FrameStatus.NeedMoreData"/> when the frame is incomplete,
    /// <see cref="FrameStatus.Invalid"/> with the violation when the framing or the packet is bad, and
    /// <see cref="FrameStatus.Complete"/> with the header when the packet is good.
    /// </summary>
    public static FrameStatus ValidateFrame(ReadOnlySpan<byte> frame, ProtocolVersion version, int maximumPacketSize, out FixedHeader header, out ProtocolViolation violation)
    {
        var status = FrameScanner.TryScan(frame, maximumPacketSize, out header, out violation);
        if (status != FrameStatus.Complete)
        {
            return status;
        }

        violation = Validate(header, frame.Slice(header.HeaderLength, header.RemainingLength), version);
        return violation.IsNone ? FrameStatus.Complete : FrameStatus.Invalid;
    }

    private static bool IsReserved(scoped in FixedHeader header, ProtocolVersion version, out ProtocolViolation violation)
    {
        violation = header.Validate(version);
        return false;
    }
}
