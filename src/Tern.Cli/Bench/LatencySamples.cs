using System.Diagnostics;

namespace Tern.Cli.Bench;

/// <summary>
/// One subscriber's latencies in Stopwatch ticks. Every sample is kept (a run at 1,000 msg/s for 10 s is 10,000 of
/// them) up to <see cref="Capacity"/>, so percentiles are exact, not bucketed. Written by one loop; read after it ends.
/// </summary>
internal sealed class LatencySamples
{
    /// <summary>At most 8 million samples (64 MB): a bound, not a limit any sensible latency run reaches.</summary>
    public const int Capacity = 8_000_000;

    private long[] _ticks = new long[4096];

    /// <summary>How many samples were kept.</summary>
    public int Count { get; private set; }

    /// <summary>Samples not kept because <see cref="Capacity"/> was reached.</summary>
    public long Dropped { get; private set; }

    public void Add(long ticks)
    {
        if (Count == _ticks.Length)
        {
            if (Count >= Capacity)
            {
                Dropped++;
                return;
            }

            Array.Resize(ref _ticks, Math.Min(Capacity, _ticks.Length * 2));
        }

        _ticks[Count++] = ticks;
    }

    /// <summary>Merges the samples of several subscribers and computes the percentiles.</summary>
    public static LatencySummary Summarize(IEnumerable<LatencySamples> all)
    {
        ArgumentNullException.ThrowIfNull(all);
        var samples = all.ToList();
        var merged = new long[samples.Sum(s => s.Count)];
        int offset = 0;
        foreach (var s in samples)
        {
            Array.Copy(s._ticks, 0, merged, offset, s.Count);
            offset += s.Count;
        }

        Array.Sort(merged);
        return new LatencySummary(
            merged.Length,
            Percentile(merged, 50),
            Percentile(merged, 90),
            Percentile(merged, 99),
            Percentile(merged, 99.9),
            merged.Length == 0 ? 0 : ToMicroseconds(merged[^1]));
    }

    /// <summary>The nearest-rank percentile in microseconds: the smallest sample with at least p % of samples at or below it.</summary>
    public static double Percentile(long[] sorted, double p)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        if (sorted.Length == 0)
        {
            return 0;
        }

        // A hair below the exact product, so 99.9 % of 1,000 is rank 999 despite 0.999 * 1000 = 999.0000000000001.
        int rank = (int)Math.Ceiling((p * sorted.Length / 100) - 1e-9);
        return ToMicroseconds(sorted[Math.Clamp(rank, 1, sorted.Length) - 1]);
    }

    private static double ToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;
}

/// <summary>Latency percentiles in microseconds.</summary>
internal sealed record LatencySummary(int Samples, double P50, double P90, double P99, double P999, double Max);
