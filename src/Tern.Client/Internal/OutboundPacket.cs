using Tern.Protocol;

namespace Tern.Client.Internal;

internal enum OutboundKind : byte
{
    /// <summary>Bytes encoded by the producer (SUBSCRIBE, UNSUBSCRIBE, DISCONNECT, AUTH).</summary>
    Raw,

    /// <summary>A PUBLISH, encoded by the write loop (which owns the connection's Topic Alias map).</summary>
    Publish,

    /// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP.</summary>
    Acknowledgement,

    /// <summary>PINGREQ.</summary>
    PingRequest,
}

/// <summary>One packet on its way to a connection's write loop: a small struct, so acknowledgements cost no allocation.</summary>
internal readonly struct OutboundPacket
{
    private OutboundPacket(OutboundKind kind, PendingPublish? publish, byte[]? raw, PacketType ackType, ushort packetId, ReasonCode reasonCode, bool duplicate)
    {
        Kind = kind;
        Publish = publish;
        Raw = raw;
        AckType = ackType;
        PacketIdentifier = packetId;
        ReasonCode = reasonCode;
        Duplicate = duplicate;
    }

    public OutboundKind Kind { get; }

    public PendingPublish? Publish { get; }

    public byte[]? Raw { get; }

    public PacketType AckType { get; }

    public ushort PacketIdentifier { get; }

    public ReasonCode ReasonCode { get; }

    public bool Duplicate { get; }

    public static OutboundPacket ForPublish(PendingPublish publish, bool duplicate) =>
        new(OutboundKind.Publish, publish, null, default, publish.PacketIdentifier, default, duplicate);

    public static OutboundPacket ForAcknowledgement(PacketType type, ushort packetId, ReasonCode reasonCode = ReasonCode.Success) =>
        new(OutboundKind.Acknowledgement, null, null, type, packetId, reasonCode, false);

    public static OutboundPacket ForRaw(byte[] bytes) => new(OutboundKind.Raw, null, bytes, default, 0, default, false);

    public static OutboundPacket PingRequest => new(OutboundKind.PingRequest, null, null, default, 0, default, false);
}
