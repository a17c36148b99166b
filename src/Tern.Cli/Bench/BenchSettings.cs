using System.Net;
using Tern.Protocol;

namespace Tern.Cli.Bench;

/// <summary>The load scenarios of <c>tern bench</c>.</summary>
internal enum BenchScenario
{
    /// <summary>P publishers, S subscribers, one topic: every subscriber receives every message.</summary>
    FanIn,

    /// <summary>N independent publisher → subscriber pairs, one topic each.</summary>
    Pairs,

    /// <summary>One publisher, S subscribers on its topic.</summary>
    FanOut,

    /// <summary>Fixed rate, a timestamp in each payload, latency percentiles at the subscriber.</summary>
    Latency,

    /// <summary>N idle connections: how many the broker accepts and how fast.</summary>
    Connections,
}

/// <summary>
/// Everything one <c>tern bench</c> run needs, validated: the command line is turned into this once, so the runners
/// never see a value out of range.
/// </summary>
internal sealed record BenchSettings
{
    /// <summary>The largest payload: well under Mosquitto's and Tern's default 1 MiB packet limits.</summary>
    public const int MaximumPayload = 256 * 1024;

    /// <summary>A latency payload holds the send time: 8 bytes of Stopwatch ticks.</summary>
    public const int TimestampBytes = 8;

    public required BenchScenario Scenario { get; init; }

    public required string Host { get; init; }

    public required int Port { get; init; }

    public ProtocolVersion Protocol { get; init; } = ProtocolVersion.V311;

    public QualityOfService QoS { get; init; } = QualityOfService.AtMostOnce;

    /// <summary>Payload bytes per message.</summary>
    public int Size { get; init; } = 16;

    /// <summary>The measured phase; null in count mode without a duration (then <see cref="TimeLimit"/> bounds it).</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Messages per publisher; null in duration mode (then a count no broker reaches in the time bounds it).</summary>
    public long? Count { get; init; }

    /// <summary>Load before the measured phase starts, not counted in the rates.</summary>
    public TimeSpan Warmup { get; init; }

    public int Publishers { get; init; } = 1;

    public int Subscribers { get; init; } = 1;

    /// <summary>Messages per second over all publishers; 0 means as fast as the broker takes them.</summary>
    public double Rate { get; init; }

    /// <summary>QoS 1/2 messages a publisher keeps unacknowledged at most (a smaller MQTT 5.0 Receive Maximum wins).</summary>
    public int Inflight { get; init; } = 20;

    /// <summary>Idle connections to open (scenario connections).</summary>
    public int Connections { get; init; } = 1000;

    /// <summary>Connection attempts in progress at once (scenario connections).</summary>
    public int ConnectConcurrency { get; init; } = 64;

    /// <summary>How long to keep the idle connections open after the result is printed, so RSS can be read.</summary>
    public TimeSpan Hold { get; init; }

    /// <summary>How long, after publishing stops, to wait for acknowledgements and deliveries still on their way.</summary>
    public TimeSpan Drain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Local addresses to connect from, round robin: each gives its own ~28,000 ephemeral ports.</summary>
    public IReadOnlyList<IPAddress> SourceAddresses { get; init; } = [];

    /// <summary>The prefix of every topic; unique per run unless given, so concurrent runs do not see each other.</summary>
    public required string TopicPrefix { get; init; }

    /// <summary>The prefix of every client identifier.</summary>
    public required string ClientIdPrefix { get; init; }

    public bool Json { get; init; }

    /// <summary>Subscribers keep persistent sessions (3.1.1 Clean Session 0, 5.0 Session Expiry 0xFFFFFFFF), so a broker with durable state stores what it routes to them.</summary>
    public bool PersistentSubscribers { get; init; }

    /// <summary>The hard bound of the measured phase in count mode: a count that is never reached still ends.</summary>
    public TimeSpan TimeLimit => Duration ?? TimeSpan.FromSeconds(300);

    /// <summary>"3.1.1" or "5.0".</summary>
    public string ProtocolName => Protocol == ProtocolVersion.V500 ? "5.0" : "3.1.1";
}
