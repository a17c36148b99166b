using System.Diagnostics;
using Tern.Cli.Bench;

namespace Tern.Bench.Tests;

/// <summary>The percentile arithmetic of the latency scenario: nearest rank over every sample, in microseconds.</summary>
public sealed class LatencyPercentileTests
{
    private static readonly long TicksPerMicrosecond = Stopwatch.Frequency / 1_000_000;

    [Fact]
    public void Percentiles_of_one_to_a_thousand_microseconds_are_the_nearest_ranks()
    {
        var samples = new LatencySamples();
        for (int i = 1000; i >= 1; i--)
        {
            samples.Add(i * TicksPerMicrosecond);
        }

        var summary = LatencySamples.Summarize([samples]);

        Assert.Equal(1000, summary.Samples);
        Assert.Equal(500, summary.P50, 3);
        Assert.Equal(900, summary.P90, 3);
        Assert.Equal(990, summary.P99, 3);
        Assert.Equal(999, summary.P999, 3);
        Assert.Equal(1000, summary.Max, 3);
    }

    [Fact]
    public void Samples_of_several_subscribers_are_merged_before_ranking()
    {
        var fast = new LatencySamples();
        var slow = new LatencySamples();
        for (int i = 0; i < 99; i++)
        {
            fast.Add(10 * TicksPerMicrosecond);
        }

        slow.Add(5000 * TicksPerMicrosecond);

        var summary = LatencySamples.Summarize([fast, slow]);

        Assert.Equal(100, summary.Samples);
        Assert.Equal(10, summary.P99, 3);
        Assert.Equal(5000, summary.P999, 3);
    }

    [Fact]
    public void No_sample_gives_zeros_rather_than_an_error()
    {
        var summary = LatencySamples.Summarize([new LatencySamples()]);

        Assert.Equal(0, summary.Samples);
        Assert.Equal(0, summary.P99);
    }
}
