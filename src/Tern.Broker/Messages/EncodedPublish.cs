using System.Buffers.Binary;

namespace Tern.Broker.Messages;

/// <summary>
/// One encoding of a PUBLISH, shared by every subscriber of the same protocol family, QoS and retain flag.
/// The packet identifier, the DUP flag and the remaining Message Expiry Interval are slots patched by each
/// connection's writer as it copies the bytes out, so the encoding itself never changes after it is built and any
/// number of writers can read it at once.
/// </summary>
internal sealed class EncodedPublish
{
    public EncodedPublish(byte[] bytes, int packetIdentifierOffset, int expiryOffset, long expiresAt)
    {
        Bytes = bytes;
        PacketIdentifierOffset = packetIdentifierOffset;
        ExpiryOffset = expiryOffset;
        ExpiresAt = expiresAt;
    }

    /// <summary>The whole packet with packet identifier 0 and DUP clear.</summary>
    public byte[] Bytes { get; }

    /// <summary>Where the 2-byte packet identifier goes; -1 for QoS 0.</summary>
    public int PacketIdentifierOffset { get; }

    /// <summary>Where the 4-byte Message Expiry Interval value is; -1 when the message does not expire.</summary>
    public int ExpiryOffset { get; }

    /// <summary>When the message expires, as a <see cref="TimeProvider"/> timestamp; 0 when it does not.</summary>
    public long ExpiresAt { get; }

    /// <summary>
    /// Copies the packet into <paramref name="destination"/> with its packet identifier and DUP flag set, and the
    /// Message Expiry Interval lowered to the time left ([MQTT-3.3.2-6] in 5.0: the forwarded value is the received
    /// value minus the time the message has waited in the broker).
    /// </summary>
    public void CopyTo(Span<byte> destination, ushort packetIdentifier, bool duplicate, TimeProvider time)
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

        if (ExpiryOffset >= 0)
        {
            long left = ExpiresAt - time.GetTimestamp();
            long seconds = (left + time.TimestampFrequency - 1) / time.TimestampFrequency;
            BinaryPrimitives.WriteUInt32BigEndian(destination[ExpiryOffset..], (uint)Math.Clamp(seconds, 1, uint.MaxValue));
        }
    }
}
