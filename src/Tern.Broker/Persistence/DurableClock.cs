namespace Tern.Broker.Persistence;

/// <summary>
/// Converts between the broker's monotonic <see cref="TimeProvider"/> timestamps (which restart with the process) and
/// the wall-clock Unix milliseconds a store keeps, so that expiry counts the time the broker was down.
/// </summary>
internal sealed class DurableClock(TimeProvider time)
{
    public TimeProvider Time { get; } = time;

    public long NowUnixMs => Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A timestamp (0: none) as Unix ms (0: none).</summary>
    public long ToUnixMs(long timestamp)
    {
        if (timestamp == 0)
        {
            return 0;
        }

        long delta = timestamp - Time.GetTimestamp();
        return NowUnixMs + (long)(delta * 1000.0 / Time.TimestampFrequency);
    }

    /// <summary>Unix ms (0: none) as a timestamp (0: none; at least 1 otherwise).</summary>
    public long FromUnixMs(long unixMs)
    {
        if (unixMs == 0)
        {
            return 0;
        }

        long delta = unixMs - NowUnixMs;
        return Math.Max(1, Time.GetTimestamp() + (long)(delta / 1000.0 * Time.TimestampFrequency));
    }
}
