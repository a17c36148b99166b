using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Tern.Protocol;

namespace Tern.Cli.Bench;

/// <summary>
/// Runs fan-in, pairs, fan-out and latency: connect and subscribe every subscriber, connect the publishers, start one
/// loop per connection, warm up, measure, stop publishing, drain, disconnect. Every phase is bounded in time, and
/// every loop in count too.
/// </summary>
internal sealed class ThroughputRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan QuietEnd = TimeSpan.FromMilliseconds(500);

    private readonly BenchSettings _settings;
    private readonly EndPoint _broker;
    private readonly IBenchProgress _progress;
    private readonly BenchRunState _run = new();

    public ThroughputRunner(BenchSettings settings, EndPoint broker, IBenchProgress progress)
    {
        _settings = settings;
        _broker = broker;
        _progress = progress;
    }

    public async Task<BenchResult> RunAsync(CancellationToken cancellationToken)
    {
        var s = _settings;
        var topology = Topology.For(s);
        using var hardStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        hardStop.CancelAfter(ConnectBudget(topology.Publishers + topology.Subscribers) + s.Warmup + s.TimeLimit + s.Drain + TimeSpan.FromSeconds(10));

        _progress.Phase("connecting");
        var subscribers = await Connector.OpenManyAsync(s, _broker, topology.Subscribers, "subscriber", "s", hardStop.Token, latency: s.Scenario == BenchScenario.Latency).ConfigureAwait(false);
        var publishers = Array.Empty<BenchConnection>();
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, subscribers.Length),
                new ParallelOptions { MaxDegreeOfParallelism = s.ConnectConcurrency, CancellationToken = hardStop.Token },
                async (i, ct) => await subscribers[i].SubscribeAsync(topology.TopicOfSubscriber(i), s.QoS, ct).ConfigureAwait(false)).ConfigureAwait(false);
            publishers = await Connector.OpenManyAsync(s, _broker, topology.Publishers, "publisher", "p", hardStop.Token).ConfigureAwait(false);
            return await MeasureAsync(topology, publishers, subscribers, hardStop).ConfigureAwait(false);
        }
        finally
        {
            await Connector.CloseManyAsync(publishers.Concat(subscribers), s.ConnectConcurrency).ConfigureAwait(false);
        }
    }

    // Generous: a loaded broker on a shared machine may take a few milliseconds per CONNECT.
    private static TimeSpan ConnectBudget(int connections) => TimeSpan.FromSeconds(30 + (connections / 100.0));

    private async Task<BenchResult> MeasureAsync(Topology topology, BenchConnection[] publishers, BenchConnection[] subscribers, CancellationTokenSource hardStop)
    {
        var s = _settings;
        using var subscriberStop = CancellationTokenSource.CreateLinkedTokenSource(hardStop.Token);
        using var publisherStop = CancellationTokenSource.CreateLinkedTokenSource(hardStop.Token);
        long perPublisher = s.Count ?? MaximumCount(s);
        double ratePerPublisher = s.Rate > 0 && publishers.Length > 0 ? s.Rate / publishers.Length : 0;
        var subscriberLoops = subscribers.Select(c => c.RunSubscriberAsync(perPublisher * topology.PublishersPerSubscriber, _run, subscriberStop.Token)).ToArray();
        var publisherLoops = publishers.Select((c, i) => c.RunPublisherAsync(
            new PublisherPlan(Encoding.UTF8.GetBytes(topology.TopicOfPublisher(i)), s.QoS, s.Size, perPublisher, ratePerPublisher, s.Inflight, s.Scenario == BenchScenario.Latency),
            _run,
            publisherStop.Token)).ToArray();
        var allLoops = subscriberLoops.Concat(publisherLoops).ToArray();
        var publishing = Task.WhenAll(publisherLoops);

        long start = Stopwatch.GetTimestamp();
        bool measuring = s.Warmup <= TimeSpan.Zero;
        var first = Snapshot(publishers, subscribers);
        _run.BeginMeasurement(measuring ? 0 : long.MaxValue);
        _progress.Phase(measuring ? "measuring" : "warm-up");
        CounterSnapshot last;
        long target = perPublisher * publishers.Length;

        // Warm-up and measured phase.
        while (true)
        {
            await (publishing.IsCompleted ? Task.Delay(Tick, hardStop.Token) : Task.WhenAny(publishing, Task.Delay(Tick, hardStop.Token))).ConfigureAwait(false);
            ThrowIfAnyFailed(allLoops);
            var now = Snapshot(publishers, subscribers);
            _progress.Update(now);
            if (!measuring && Stopwatch.GetElapsedTime(start) >= s.Warmup)
            {
                measuring = true;
                first = now;
                _run.BeginMeasurement(now.Timestamp);
                _progress.Phase("measuring");
                continue;
            }

            // A run without publishers (subscribers for publishers in another process) lasts its duration.
            bool timeUp = measuring && Stopwatch.GetElapsedTime(first.Timestamp) >= s.TimeLimit;
            if (timeUp || (publishers.Length > 0 && (now.Published >= target || publishing.IsCompleted)))
            {
                _run.RequestStop();
                last = now;
                break;
            }
        }

        // Drain: acknowledgements and deliveries still on their way, bounded by --drain.
        _progress.Phase("draining");
        long drainStart = Stopwatch.GetTimestamp();
        var quietSince = Snapshot(publishers, subscribers);
        while (Stopwatch.GetElapsedTime(drainStart) < s.Drain)
        {
            // Once the publishers are done, waiting on them would return at once: wait a tick instead.
            await (publishing.IsCompleted ? Task.Delay(Tick, hardStop.Token) : Task.WhenAny(publishing, Task.Delay(Tick, hardStop.Token))).ConfigureAwait(false);
            ThrowIfAnyFailed(allLoops);
            var now = Snapshot(publishers, subscribers);
            _progress.Update(now);
            if (publishing.IsCompleted && Expected(topology, publishers, subscribers.Length) <= now.Delivered)
            {
                break;
            }

            if (now.Delivered != quietSince.Delivered || now.Acknowledged != quietSince.Acknowledged)
            {
                quietSince = now;
            }
            else if (publishing.IsCompleted && Stopwatch.GetElapsedTime(quietSince.Timestamp) >= QuietEnd)
            {
                break; // QoS 0 lost some, or the broker dropped some: nothing more will come.
            }
        }

        await publisherStop.CancelAsync().ConfigureAwait(false);
        await subscriberStop.CancelAsync().ConfigureAwait(false);
        await EndAllAsync(allLoops).ConfigureAwait(false);

        var end = Snapshot(publishers, subscribers);
        long expected = Expected(topology, publishers, subscribers.Length);
        double seconds = Math.Max(last.SecondsSince(first), 1e-6);
        double publishedPerSecond = (last.Published - first.Published) / seconds;
        double acknowledgedPerSecond = (last.Acknowledged - first.Acknowledged) / seconds;
        double deliveredPerSecond = (last.Delivered - first.Delivered) / seconds;
        if (s.Count is not null && s.Warmup <= TimeSpan.Zero)
        {
            // Count mode: the whole run is the window, each rate up to its own last event (drain included), so a short
            // run is not diluted by the coordinator's tick.
            seconds = SecondsUntil(first, publishers.Select(c => c.LastPublish));
            publishedPerSecond = end.Published / seconds;
            acknowledgedPerSecond = end.Acknowledged / SecondsUntil(first, publishers.Select(c => c.LastActivity));
            deliveredPerSecond = end.Delivered / SecondsUntil(first, subscribers.Select(c => c.LastActivity));
        }

        return new BenchResult
        {
            Scenario = Name(s.Scenario),
            Broker = Describe(_broker),
            Protocol = s.ProtocolName,
            QoS = (int)s.QoS,
            Size = s.Size,
            Publishers = publishers.Length,
            Subscribers = subscribers.Length,
            Rate = s.Rate,
            Inflight = s.Inflight,
            WarmupSeconds = s.Warmup.TotalSeconds,
            MeasuredSeconds = seconds,
            Published = end.Published,
            Acknowledged = end.Acknowledged,
            Delivered = end.Delivered,
            Expected = expected,
            PublishedPerSecond = publishedPerSecond,
            AcknowledgedPerSecond = acknowledgedPerSecond,
            DeliveredPerSecond = deliveredPerSecond,
            Complete = end.Delivered == expected && (s.QoS == QualityOfService.AtMostOnce || end.Acknowledged == end.Published),
            Latency = s.Scenario == BenchScenario.Latency ? LatencySamples.Summarize(subscribers.Select(c => c.Latency!)) : null,
        };
    }

    /// <summary>"fan-in", "pairs", ...: the scenario's name on the command line.</summary>
    public static string Name(BenchScenario scenario) => scenario switch
    {
        BenchScenario.FanIn => "fan-in",
        BenchScenario.Pairs => "pairs",
        BenchScenario.FanOut => "fan-out",
        BenchScenario.Latency => "latency",
        _ => "connections",
    };

    public static string Describe(EndPoint endPoint) => endPoint switch
    {
        IPEndPoint ip => string.Create(CultureInfo.InvariantCulture, $"{ip.Address}:{ip.Port}"),
        _ => endPoint.ToString() ?? "?",
    };

    // Duration mode still bounds the count: more than any broker on any machine can take in the time given.
    private static long MaximumCount(BenchSettings s) => (long)Math.Max(1, (s.Warmup + s.TimeLimit).TotalSeconds * 100_000_000);

    private static double SecondsUntil(in CounterSnapshot first, IEnumerable<long> timestamps)
    {
        long lastEvent = timestamps.DefaultIfEmpty(0).Max();
        return lastEvent <= first.Timestamp ? 1e-6 : Stopwatch.GetElapsedTime(first.Timestamp, lastEvent).TotalSeconds;
    }

    private static long Expected(Topology topology, BenchConnection[] publishers, int subscribers)
    {
        if (topology.PairedTopics)
        {
            return publishers.Sum(p => p.Published);
        }

        return publishers.Sum(p => p.Published) * subscribers;
    }

    private static CounterSnapshot Snapshot(BenchConnection[] publishers, BenchConnection[] subscribers)
    {
        long published = 0, acknowledged = 0, delivered = 0;
        foreach (var p in publishers)
        {
            published += p.Published;
            acknowledged += p.Acknowledged;
        }

        foreach (var c in subscribers)
        {
            delivered += c.Delivered;
        }

        return new CounterSnapshot(Stopwatch.GetTimestamp(), published, acknowledged, delivered);
    }

    private static void ThrowIfAnyFailed(Task[] loops)
    {
        foreach (var loop in loops)
        {
            if (loop.IsFaulted && loop.Exception!.InnerException is BenchException failure)
            {
                throw failure;
            }

            if (loop.IsFaulted)
            {
                throw new BenchException(BenchException.Describe(loop.Exception!.InnerException!), loop.Exception.InnerException!);
            }
        }
    }

    // Every loop ends on its token; a loop that failed after stop is still reported.
    private static async Task EndAllAsync(Task[] loops)
    {
        try
        {
            await Task.WhenAll(loops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopped on purpose.
        }
        catch (Exception) when (loops.All(l => !l.IsFaulted || l.Exception!.InnerException is OperationCanceledException or System.Net.Sockets.SocketException))
        {
            // A receive cancelled by the stop may surface as a socket error; nothing was lost.
        }

        foreach (var loop in loops)
        {
            if (loop.IsFaulted && loop.Exception!.InnerException is BenchException failure)
            {
                throw failure;
            }
        }
    }

    /// <summary>Who publishes where and who subscribes to what.</summary>
    private sealed record Topology(int Publishers, int Subscribers, string Prefix, bool PairedTopics)
    {
        public int PublishersPerSubscriber => PairedTopics ? 1 : Math.Max(1, Publishers);

        public static Topology For(BenchSettings s) => s.Scenario switch
        {
            BenchScenario.Pairs => new Topology(s.Publishers, s.Subscribers, s.TopicPrefix, PairedTopics: true),
            BenchScenario.FanOut => new Topology(1, s.Subscribers, s.TopicPrefix, PairedTopics: false),
            _ => new Topology(s.Publishers, s.Subscribers, s.TopicPrefix, PairedTopics: false),
        };

        public string TopicOfPublisher(int index) => PairedTopics ? string.Create(CultureInfo.InvariantCulture, $"{Prefix}/pair/{index}") : $"{Prefix}/all";

        public string TopicOfSubscriber(int index) => TopicOfPublisher(index);
    }
}
