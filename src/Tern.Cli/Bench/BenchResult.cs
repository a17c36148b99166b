namespace Tern.Cli.Bench;

/// <summary>
/// What one scenario measured. Totals count the whole run (warm-up and drain included), so exact-count checks can be
/// made on them; rates count only the measured phase.
/// </summary>
internal sealed record BenchResult
{
    public required string Scenario { get; init; }

    /// <summary>"127.0.0.1:1883".</summary>
    public required string Broker { get; init; }

    /// <summary>"3.1.1" or "5.0".</summary>
    public required string Protocol { get; init; }

    public int QoS { get; init; }

    public int Size { get; init; }

    public int Publishers { get; init; }

    public int Subscribers { get; init; }

    /// <summary>Messages per second asked for over all publishers; 0 for as fast as possible.</summary>
    public double Rate { get; init; }

    public int Inflight { get; init; }

    public double WarmupSeconds { get; init; }

    /// <summary>The length of the measured phase the rates are computed over.</summary>
    public double MeasuredSeconds { get; init; }

    /// <summary>PUBLISH packets written by all publishers.</summary>
    public long Published { get; init; }

    /// <summary>PUBACK / PUBCOMP received by all publishers.</summary>
    public long Acknowledged { get; init; }

    /// <summary>PUBLISH packets received by all subscribers.</summary>
    public long Delivered { get; init; }

    /// <summary>What subscribers would have received had nothing been dropped: published × matching subscribers.</summary>
    public long Expected { get; init; }

    public double PublishedPerSecond { get; init; }

    public double AcknowledgedPerSecond { get; init; }

    public double DeliveredPerSecond { get; init; }

    /// <summary>Every message acknowledged (QoS 1/2) and delivered to every subscriber.</summary>
    public bool Complete { get; init; }

    public LatencySummary? Latency { get; init; }

    /// <summary>The connections scenario; null for the others.</summary>
    public ConnectionsSummary? Connections { get; init; }

    /// <summary>CPU seconds this generator process used, to show it was not the bottleneck.</summary>
    public double GeneratorCpuSeconds { get; init; } = Environment.CpuUsage.TotalTime.TotalSeconds;

    /// <summary>Wall-clock seconds since this generator process started: CPU / elapsed near 1 on one core means the generator was saturated.</summary>
    public double GeneratorElapsedSeconds { get; init; } = (DateTime.Now - System.Diagnostics.Process.GetCurrentProcess().StartTime).TotalSeconds;
}

/// <summary>The outcome of the connections scenario.</summary>
/// <param name="Requested">Connections asked for.</param>
/// <param name="Connected">Connections that got an accepting CONNACK.</param>
/// <param name="Failed">Attempts that failed.</param>
/// <param name="StillOpen">Connections still open and idle when the result was taken.</param>
/// <param name="Seconds">From the first attempt to the last CONNACK.</param>
/// <param name="PerSecond">Connected / Seconds.</param>
/// <param name="FirstError">Why the first failed attempt failed; null when none did.</param>
internal sealed record ConnectionsSummary(int Requested, int Connected, int Failed, int StillOpen, double Seconds, double PerSecond, string? FirstError);
