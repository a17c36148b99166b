using System.CommandLine;
using System.Net;
using System.Net.Sockets;

namespace Tern.Cli.Bench;

/// <summary>
/// <c>tern bench SCENARIO</c>: a load generator for any MQTT broker, in the spirit of emqtt-bench. Bad usage prints one
/// line and exits 2; a broker that cannot be reached or fails the run prints one line and exits 1.
/// </summary>
internal static class BenchCommand
{
    private const string InlineCompletions = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    private static readonly string[] ScenarioNames = ["fan-in", "pairs", "fan-out", "latency", "connections"];

    public static Command Create()
    {
        var scenario = new Argument<string>("scenario") { Description = "fan-in | pairs | fan-out | latency | connections" };
        scenario.CompletionSources.Add(ScenarioNames);
        var o = new BenchOptions();
        var command = new Command("bench", "Load an MQTT broker and measure it (messages per second, latency, connections).")
        {
            scenario,
            o.Host, o.Port, o.Protocol, o.QoS, o.Size, o.Duration, o.Count, o.Warmup, o.Publishers, o.Subscribers, o.Pairs,
            o.Rate, o.Inflight, o.Connections, o.Concurrency, o.SourceAddresses, o.Hold, o.Drain, o.Topic, o.Json, o.Persistent,
        };
        command.SetAction((result, cancellationToken) => RunAsync(result, result.GetValue(scenario)!, o, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, string scenarioName, BenchOptions options, CancellationToken cancellationToken)
    {
        BenchSettings settings;
        try
        {
            settings = options.ToSettings(parse, scenarioName);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync($"tern bench: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        // Run socket continuations on the socket engine's thread instead of hopping to the thread pool: the generator's
        // loops do a few microseconds of work per completion, and on one pinned core the hop (and the pool's spinning)
        // cost more than the work. Measured against Mosquitto: 3.9 s of generator CPU for the same load became 1.3 s.
        // Read once, when the first socket is created, so it must be set before.
        if (Environment.GetEnvironmentVariable(InlineCompletions) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletions, "1");
        }

        try
        {
            var broker = await ResolveAsync(settings, cancellationToken).ConfigureAwait(false);
            bool terminal = !settings.Json && !Console.IsOutputRedirected;
            var result = await RunScenarioAsync(settings, broker, terminal, cancellationToken).ConfigureAwait(false);
            if (settings.Scenario != BenchScenario.Connections)
            {
                BenchOutput.Write(result, settings.Json, terminal);
            }

            return ExitCodes.Success;
        }
        catch (BenchException e)
        {
            await Console.Error.WriteLineAsync($"tern bench: {e.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("tern bench: interrupted").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync("tern bench: the run did not finish within its time bound").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
    }

    private static async Task<BenchResult> RunScenarioAsync(BenchSettings settings, EndPoint broker, bool terminal, CancellationToken cancellationToken)
    {
        IBenchProgress progress = settings.Json ? SilentProgress.Instance : terminal ? new LiveProgress($"tern bench {ThroughputRunner.Name(settings.Scenario)} → {ThroughputRunner.Describe(broker)}") : new LineProgress();
        Func<Task<BenchResult>> run = settings.Scenario == BenchScenario.Connections
            ? () => new ConnectionsRunner(settings, broker, progress).RunAsync(r => BenchOutput.Write(r, settings.Json, terminal: false), cancellationToken)
            : () => new ThroughputRunner(settings, broker, progress).RunAsync(cancellationToken);
        return progress is LiveProgress live ? await live.RunAsync(run).ConfigureAwait(false) : await run().ConfigureAwait(false);
    }

    private static async Task<EndPoint> ResolveAsync(BenchSettings settings, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(settings.Host, out var address))
        {
            return new IPEndPoint(address, settings.Port);
        }

        try
        {
            var addresses = await Dns.GetHostAddressesAsync(settings.Host, cancellationToken).ConfigureAwait(false);
            var chosen = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
                ?? throw new BenchException($"cannot connect to {settings.Host}:{settings.Port}: host not found");
            return new IPEndPoint(chosen, settings.Port);
        }
        catch (SocketException e)
        {
            throw BenchException.CannotConnect(settings.Host, settings.Port, e);
        }
    }

    /// <summary>A bad option value: one line, exit code 2.</summary>
    internal sealed class UsageException(string message) : Exception(message);

    /// <summary>The options of <c>tern bench</c> and their conversion into validated <see cref="BenchSettings"/>.</summary>
    private sealed class BenchOptions
    {
        public Option<string> Host { get; } = new("--host", "-h") { Description = "Broker address.", DefaultValueFactory = _ => "127.0.0.1" };

        public Option<int> Port { get; } = new("--port", "-p") { Description = "Broker port.", DefaultValueFactory = _ => 1883 };

        public Option<string> Protocol { get; } = new("--protocol") { Description = "MQTT version: 311 or 5.", DefaultValueFactory = _ => "311" };

        public Option<int> QoS { get; } = new("--qos", "-q") { Description = "QoS of every message and subscription: 0, 1 or 2.", DefaultValueFactory = _ => 0 };

        public Option<int> Size { get; } = new("--size", "-s") { Description = "Payload bytes.", DefaultValueFactory = _ => 16 };

        public Option<double?> Duration { get; } = new("--duration", "-d") { Description = "Seconds to measure (default 10 unless --count is given)." };

        public Option<long?> Count { get; } = new("--count", "-n") { Description = "Messages per publisher; the run ends when all are sent (bounded by --duration, else 300 s)." };

        public Option<double?> Warmup { get; } = new("--warmup") { Description = "Seconds of load before measuring (default 1, or 0 with --count)." };

        public Option<int?> Publishers { get; } = new("--publishers", "-P") { Description = "fan-in, latency: publishers (default 4 for fan-in, 1 for latency)." };

        public Option<int?> Subscribers { get; } = new("--subscribers", "-S") { Description = "fan-in, fan-out, latency: subscribers (default 1; 100 for fan-out)." };

        public Option<int?> Pairs { get; } = new("--pairs") { Description = "pairs: publisher/subscriber pairs (default 8)." };

        public Option<double?> Rate { get; } = new("--rate", "-r") { Description = "Messages per second over all publishers (default: as fast as possible; 1000 for latency)." };

        public Option<int> Inflight { get; } = new("--inflight") { Description = "QoS 1/2 messages a publisher keeps unacknowledged.", DefaultValueFactory = _ => 20 };

        public Option<int?> Connections { get; } = new("--connections", "-c") { Description = "connections: idle connections to open (default 1000)." };

        public Option<int> Concurrency { get; } = new("--concurrency") { Description = "Connection attempts in progress at once.", DefaultValueFactory = _ => 64 };

        public Option<string?> SourceAddresses { get; } = new("--source-addresses") { Description = "Local addresses to connect from, comma separated, e.g. 127.0.0.1,127.0.0.2 (each adds ~28,000 ports)." };

        public Option<double> Hold { get; } = new("--hold") { Description = "connections: seconds to keep them open after the result is printed.", DefaultValueFactory = _ => 0 };

        public Option<double> Drain { get; } = new("--drain") { Description = "Seconds to wait for acknowledgements and deliveries after publishing stops.", DefaultValueFactory = _ => 5 };

        public Option<string?> Topic { get; } = new("--topic") { Description = "Topic prefix (default tern/bench/RANDOM, unique per run)." };

        public Option<bool> Json { get; } = new("--json") { Description = "Print the result as one JSON object on one line, and no progress." };

        public Option<bool> Persistent { get; } = new("--persistent") { Description = "Subscribers use persistent sessions (Clean Session 0), which a broker with durable state stores." };

        public BenchSettings ToSettings(ParseResult p, string scenarioName)
        {
            var scenario = scenarioName switch
            {
                "fan-in" => BenchScenario.FanIn,
                "pairs" => BenchScenario.Pairs,
                "fan-out" => BenchScenario.FanOut,
                "latency" => BenchScenario.Latency,
                "connections" => BenchScenario.Connections,
                _ => throw new UsageException($"unknown scenario '{scenarioName}' (one of {string.Join(", ", ScenarioNames)})"),
            };

            int port = p.GetValue(Port);
            Check(port is > 0 and <= 65_535, "--port must be between 1 and 65535");
            var protocol = p.GetValue(Protocol) switch
            {
                "311" or "3.1.1" or "4" => Tern.Protocol.ProtocolVersion.V311,
                "5" or "5.0" or "500" => Tern.Protocol.ProtocolVersion.V500,
                var other => throw new UsageException($"--protocol must be 311 or 5, not '{other}'"),
            };
            int qos = p.GetValue(QoS);
            Check(qos is >= 0 and <= 2, "--qos must be 0, 1 or 2");
            int size = p.GetValue(Size);
            Check(size is >= 0 and <= BenchSettings.MaximumPayload, $"--size must be between 0 and {BenchSettings.MaximumPayload}");
            Check(scenario != BenchScenario.Latency || size >= BenchSettings.TimestampBytes, "--size must be at least 8 for latency (the payload carries a timestamp)");

            double? duration = p.GetValue(Duration);
            long? count = p.GetValue(Count);
            Check(duration is null or (> 0 and <= 86_400), "--duration must be more than 0 and at most 86400 seconds");
            Check(count is null or > 0, "--count must be positive");
            if (duration is null && count is null)
            {
                duration = 10;
            }

            double warmup = p.GetValue(Warmup) ?? (count is null ? 1 : 0);
            Check(warmup is >= 0 and <= 3600, "--warmup must be between 0 and 3600 seconds");

            RejectUnless(p, Publishers, scenario is BenchScenario.FanIn or BenchScenario.Latency, "--publishers applies to fan-in and latency");
            RejectUnless(p, Subscribers, scenario is BenchScenario.FanIn or BenchScenario.FanOut or BenchScenario.Latency, "--subscribers applies to fan-in, fan-out and latency");
            RejectUnless(p, Pairs, scenario == BenchScenario.Pairs, "--pairs applies to pairs");
            RejectUnless(p, Connections, scenario == BenchScenario.Connections, "--connections applies to connections");
            int pairs = p.GetValue(Pairs) ?? 8;
            int publishers = scenario switch
            {
                BenchScenario.Pairs => pairs,
                BenchScenario.FanOut => 1,
                BenchScenario.FanIn => p.GetValue(Publishers) ?? 4,
                _ => p.GetValue(Publishers) ?? 1,
            };
            int subscribers = scenario switch
            {
                BenchScenario.Pairs => pairs,
                BenchScenario.FanOut => p.GetValue(Subscribers) ?? 100,
                _ => p.GetValue(Subscribers) ?? 1,
            };
            Check(pairs is >= 1 and <= 10_000, "--pairs must be between 1 and 10000");
            Check(publishers is >= 0 and <= 10_000 && subscribers is >= 0 and <= 10_000, "--publishers and --subscribers must be between 0 and 10000");
            Check(publishers + subscribers > 0, "at least one publisher or subscriber is needed");
            Check(scenario != BenchScenario.Latency || (publishers > 0 && subscribers > 0), "latency needs at least one publisher and one subscriber");

            double rate = p.GetValue(Rate) ?? (scenario == BenchScenario.Latency ? 1000 : 0);
            Check(rate is >= 0 and <= 100_000_000, "--rate must be between 0 and 100000000 messages per second");
            int inflight = p.GetValue(Inflight);
            Check(inflight is >= 1 and <= 65_535, "--inflight must be between 1 and 65535");
            int connections = p.GetValue(Connections) ?? 1000;
            Check(connections is >= 1 and <= 1_000_000, "--connections must be between 1 and 1000000");
            int concurrency = p.GetValue(Concurrency);
            Check(concurrency is >= 1 and <= 10_000, "--concurrency must be between 1 and 10000");
            double hold = p.GetValue(Hold);
            Check(hold is >= 0 and <= 86_400, "--hold must be between 0 and 86400 seconds");
            double drain = p.GetValue(Drain);
            Check(drain is >= 0 and <= 600, "--drain must be between 0 and 600 seconds");

            var sources = new List<IPAddress>();
            foreach (string text in (p.GetValue(SourceAddresses) ?? string.Empty).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                if (!IPAddress.TryParse(text, out var address))
                {
                    throw new UsageException($"--source-addresses: '{text}' is not an IP address");
                }

                sources.Add(address);
            }

            string run = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray().AsSpan(0, 4));
            string? topic = p.GetValue(Topic);
            Check(topic is null || (topic.Length > 0 && topic.IndexOfAny(['+', '#', '\0']) < 0), "--topic must be a non-empty topic name without wildcards");
            return new BenchSettings
            {
                Scenario = scenario,
                Host = p.GetValue(Host) ?? "127.0.0.1",
                Port = port,
                Protocol = protocol,
                QoS = (Tern.Protocol.QualityOfService)qos,
                Size = size,
                Duration = duration is null ? null : TimeSpan.FromSeconds(duration.Value),
                Count = count,
                Warmup = TimeSpan.FromSeconds(warmup),
                Publishers = publishers,
                Subscribers = subscribers,
                Rate = rate,
                Inflight = inflight,
                Connections = connections,
                ConnectConcurrency = concurrency,
                Hold = TimeSpan.FromSeconds(hold),
                Drain = TimeSpan.FromSeconds(drain),
                SourceAddresses = sources,
                TopicPrefix = topic ?? $"tern/bench/{run}",
                ClientIdPrefix = $"tb{run}",
                Json = p.GetValue(Json),
                PersistentSubscribers = p.GetValue(Persistent),
            };
        }

        private static void Check(bool condition, string message)
        {
            if (!condition)
            {
                throw new UsageException(message);
            }
        }

        private static void RejectUnless<T>(ParseResult p, Option<T> option, bool applies, string message)
        {
            if (!applies && p.GetResult(option) is { Implicit: false })
            {
                throw new UsageException(message);
            }
        }
    }
}
