namespace Tern.Client.Internal;

/// <summary>
/// The packet identifiers in use on this client's session, shared by PUBLISH (QoS 1/2), SUBSCRIBE and UNSUBSCRIBE:
/// an identifier is not reused until its exchange completes ([MQTT-2.3.1-2] in 3.1.1, [MQTT-2.2.1-3] in 5.0).
/// A 65,536-bit map and a rotating cursor: allocation is O(1) while few are in use. Not thread-safe: the client's lock guards it.
/// </summary>
internal sealed class PacketIdentifiers
{
    private readonly ulong[] _used = new ulong[65_536 / 64];
    private int _next = 1;

    public int Count { get; private set; }

    /// <summary>Takes a free identifier; false when all 65,535 are in use.</summary>
    public bool TryAllocate(out ushort id)
    {
        for (int i = 0; i < ushort.MaxValue; i++)
        {
            int candidate = _next;
            _next = _next == ushort.MaxValue ? 1 : _next + 1;
            if (!IsUsed(candidate))
            {
                Mark((ushort)candidate);
                id = (ushort)candidate;
                return true;
            }
        }

        id = 0;
        return false;
    }

    /// <summary>Marks an identifier as used (one restored from a session); false when it already was.</summary>
    public bool Mark(ushort id)
    {
        if (IsUsed(id))
        {
            return false;
        }

        _used[id >> 6] |= 1UL << (id & 63);
        Count++;
        return true;
    }

    public void Release(ushort id)
    {
        if (IsUsed(id))
        {
            _used[id >> 6] &= ~(1UL << (id & 63));
            Count--;
        }
    }

    public bool IsUsed(int id) => (_used[id >> 6] & (1UL << (id & 63))) != 0;
}
