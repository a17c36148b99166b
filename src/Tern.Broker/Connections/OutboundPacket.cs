using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Connections;

/// <summary>What the writer does with one queued item.</summary>
internal enum OutboundKind : byte
{
    /// <summary>A PUBLISH: copy the shared encoding, patch the packet identifier and DUP.</summary>
    Publish,

    /// <summary>PUBACK, PUBREC, PUBREL or PUBCOMP, encoded on the fly (no allocation per acknowledgement).</summary>
    Acknowledgement,

    /// <summary>PINGRESP.</summary>
    PingResponse,

    /// <summary>A pre-encoded packet (CONNACK, SUBACK, UNSUBACK, DISCONNECT).</summary>
    Bytes,
}

/// <summary>One item of a connection's outbound queue. A struct: queueing a PUBLISH or an acknowledgement allocates nothing.</summary>
internal readonly struct OutboundPacket
{
    private OutboundPacket(OutboundKind kind, EncodedPublish? publish, byte[]? bytes, PacketType type, ushort packetIdentifier, ReasonCode reasonCode, bool duplicate)
    {
        Kind = kind;
        Publish = publish;
        Bytes = bytes;
        AcknowledgementType = type;
        PacketIdentifier = packetIdentifier;
        ReasonCode = reasonCode;
        Duplicate = duplicate;
        PublishGeneration = publish?.Generation ?? 0;
    }

    public OutboundKind Kind { get; }

    public EncodedPublish? Publish { get; }

    public byte[]? Bytes { get; }

    public PacketType AcknowledgementType { get; }

    public ushort PacketIdentifier { get; }

    public ReasonCode ReasonCode { get; }

    public bool Duplicate { get; }

    /// <summary>The generation of <see cref="Publish"/> when the item was queued (debug check of use after release).</summary>
    public int PublishGeneration { get; }

    /// <summary>The bytes this item puts on the wire, for the connection's outbound byte count (an estimate of 5 for acknowledgements).</summary>
    public int Size => Kind switch
    {
        OutboundKind.Publish => Publish!.Length,
        OutboundKind.Bytes => Bytes!.Length,
        OutboundKind.Acknowledgement => 5,
        OutboundKind.PingResponse => 2,
        _ => 0,
    };

    /// <summary>A QoS 0 PUBLISH: the only item a slow consumer's queue may drop (QoS 1/2 stay in the session).</summary>
    public bool IsAtMostOncePublish => Kind == OutboundKind.Publish && PacketIdentifier == 0;

    /// <summary>
    /// An item that will never be written (the queue refused it, or the connection closed with it queued): a PUBLISH
    /// gives back the reference to its message that the item held. Call once per item, for items not written.
    /// </summary>
    public void DiscardUnsent()
    {
        if (Kind == OutboundKind.Publish)
        {
            Publish!.Release();
        }
    }

    /// <summary>A PUBLISH; the item holds the reference to the message that <paramref name="encoded"/> came with.</summary>
    public static OutboundPacket ForPublish(EncodedPublish encoded, ushort packetIdentifier, bool duplicate) =>
        new(OutboundKind.Publish, encoded, null, PacketType.Publish, packetIdentifier, ReasonCode.Success, duplicate);

    public static OutboundPacket ForAcknowledgement(PacketType type, ushort packetIdentifier, ReasonCode reasonCode = ReasonCode.Success) =>
        new(OutboundKind.Acknowledgement, null, null, type, packetIdentifier, reasonCode, false);

    public static OutboundPacket PingResponse { get; } = new(OutboundKind.PingResponse, null, null, PacketType.PingResp, 0, ReasonCode.Success, false);

    public static OutboundPacket ForBytes(byte[] bytes) => new(OutboundKind.Bytes, null, bytes, PacketType.Reserved, 0, ReasonCode.Success, false);
}
