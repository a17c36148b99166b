namespace Tern.Broker.Limits;

/// <summary>
/// The broker-wide memory guard (<see cref="BrokerOptions.MemoryLimitBytes"/>): the heartbeat samples the managed heap
/// and flips one volatile flag that the hot paths read. Above the limit the broker sheds load; it recovers below 90%
/// of the limit, so a heap hovering at the limit does not flap.
/// </summary>
internal sealed class MemoryGuard
{
    private const double AutomaticShare = 0.75;
    private const double RecoveryShare = 0.9;
    private volatile bool _overLimit;

    public MemoryGuard(long? configuredLimit)
    {
        Limit = configuredLimit ?? (long)(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes * AutomaticShare);
    }

    /// <summary>The limit in bytes; 0 when the guard is off.</summary>
    public long Limit { get; }

    /// <summary>True while the heap is above the limit: refuse new work.</summary>
    public bool IsOverLimit => _overLimit;

    /// <summary>How the heap is measured; tests replace it to drive the guard without allocating gigabytes.</summary>
    internal Func<long> Sample { get; set; } = static () => GC.GetTotalMemory(forceFullCollection: false);

    /// <summary>Takes a sample: +1 when the heap just went over the limit, -1 when it just came back under, 0 otherwise.</summary>
    public int Check(out long used)
    {
        used = 0;
        if (Limit <= 0)
        {
            return 0;
        }

        used = Sample();
        if (!_overLimit && used > Limit)
        {
            _overLimit = true;
            return 1;
        }

        if (_overLimit && used < Limit * RecoveryShare)
        {
            _overLimit = false;
            return -1;
        }

        return 0;
    }
}
