using System.Buffers.Binary;

namespace Tern.Broker.Messages;

/// <summary>
/// One encoding of a PUBLISH, shared by every subscriber of the same protocol family, QoS and retain flag.
/// The packet identifier is a slot patched by each connection's writer as it copies the bytes out, so the
/// encoding itself is never changed after it is built and can be read by any number of writers at once.
/// </summary>
internal sealed class EncodedPublish
{
    public EncodedPublish(byte[] bytes, int packetIdentifierOffset)
    {
        Bytes = bytes;
        PacketIdentifierOffset = packetIdentifierOffset;
    }

    /// <summary>The whole packet with packet identifier 0 and DUP clear.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the 2-byte packet identifier goes; -1 for QoS 0.</summary>
    public int PacketIdentifierOffset { get; }

    /// <summary>Copies the packet into <paramref name="destination"/> with its packet identifier and DUP flag set.</summary>
    public void CopyTo(Span<byte> destination, ushort packetIdentifier, bool duplicate)
    {
        Bytes.CopyTo(destination);
        if (PacketIdentifierOffset >= 0)
        {
            BinaryPrimitives.WriteUInt16BigEndian(destination[PacketIdentifierOffset..], packetIdentifier);
            if (duplicate)
            {
                destination[0] |= 0x08;
            }
        }
    }
}
