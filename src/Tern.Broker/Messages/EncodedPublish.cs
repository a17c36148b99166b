using System.Buffers.Binary;
using System.Diagnostics;

namespace Tern.Broker.Messages;

/// <summary>
/// One encoding of a PUBLISH, shared by every subscriber of the same protocol family, QoS and retain flag.
/// The packet identifier, the DUP flag and the remaining Message Expiry Interval are slots patched by each
/// connection's writer as it copies the bytes out, so the encoding itself never changes after it is built and any
/// number of writers can read it at once.
/// </summary>
/// <remarks>
/// Lifetime: an encoding belongs to its <see cref="Owner"/> message and lives exactly as long as it. The shared ones
/// are pooled with the message (object and bytes reused by the message's next life); a holder of an encoding (an
/// outbound queue item) holds a reference to the message, taken with <see cref="AddRef"/> and given back with
/// <see cref="Release"/> once the bytes are copied into the output pipe or the item is dropped unsent.
/// </remarks>
internal sealed class EncodedPublish
{
    private byte[] _bytes = [];
    private bool _pooledBytes;
    private int _length;

    /// <summary>An encoding not shared with other subscribers (Subscription Identifiers, topic alias): its own array.</summary>
    public EncodedPublish(BrokerMessage owner, byte[] bytes, int packetIdentifierOffset, int expiryOffset)
    {
        Owner = owner;
        Set(bytes, bytes.Length, pooled: false, packetIdentifierOffset, expiryOffset);
    }

    /// <summary>A shared slot of <paramref name="owner"/>, filled by <see cref="Set"/>.</summary>
    internal EncodedPublish(BrokerMessage owner)
    {
        Owner = owner;
    }

    /// <summary>The message this is an encoding of.</summary>
    public BrokerMessage Owner { get; }

    /// <summary>The generation of <see cref="Owner"/> this encoding was built in (debug checks of use after release).</summary>
    public int Generation { get; private set; }

    /// <summary>The whole packet with packet identifier 0 and DUP clear.</summary>
    public ReadOnlySpan<byte> Bytes
    {
        get
        {
            Owner.AssertLive(Generation);
            return _bytes.AsSpan(0, _length);
        }
    }

    /// <summary>The size of the packet in bytes.</summary>
    public int Length
    {
        get
        {
            // Read by writers to size their buffer: a stale reference would size it for another message.
            Owner.AssertLive(Generation);
            return _length;
        }
    }

    /// <summary>Where the 2-byte packet identifier goes; -1 for QoS 0.</summary>
    public int PacketIdentifierOffset { get; private set; }

    /// <summary>Where the 4-byte Message Expiry Interval value is; -1 when the message does not expire.</summary>
    public int ExpiryOffset { get; private set; }

    /// <summary>When the message expires, as a <see cref="TimeProvider"/> timestamp; 0 when it does not.</summary>
    public long ExpiresAt => Owner.ExpiresAt;

    /// <summary>Takes a reference to the owning message for a holder of this encoding.</summary>
    public void AddRef() => Owner.AddRef();

    /// <summary>Gives back a reference taken with <see cref="AddRef"/>.</summary>
    public void Release() => Owner.Release();

    /// <summary>
    /// Throws (debug builds) when the holder's reference is stale: the owner was released and possibly reused since
    /// <paramref name="generation"/> was captured.
    /// </summary>
    [Conditional("DEBUG")]
    public void AssertLive(int generation)
    {
        if (generation != Generation)
        {
            throw new InvalidOperationException($"Encoding of generation {generation} used after its message was returned to the pool (now generation {Generation}).");
        }

        Owner.AssertLive(generation);
    }

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

    /// <summary>Fills a slot for the owner's current generation.</summary>
    internal void Set(byte[] bytes, int length, bool pooled, int packetIdentifierOffset, int expiryOffset)
    {
        _bytes = bytes;
        _pooledBytes = pooled;
        _length = length;
        PacketIdentifierOffset = packetIdentifierOffset;
        ExpiryOffset = expiryOffset;
        Generation = Owner.Generation;
    }

    /// <summary>Empties a slot when the owner goes back to its pool, handing back the pooled bytes.</summary>
    internal void Reset(MessagePool pool)
    {
        if (_pooledBytes)
        {
            pool.ReturnBuffer(_bytes);
        }

        _bytes = [];
        _pooledBytes = false;
        _length = 0;
    }

    /// <summary>The owner was pinned: its pooled bytes stay with it for good, left to the GC.</summary>
    internal bool Unpool()
    {
        bool was = _pooledBytes;
        _pooledBytes = false;
        return was;
    }
}
