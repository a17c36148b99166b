using System.Diagnostics;
using System.Globalization;
using Tern.Protocol;

namespace Tern.Benchmarks.InProcess;

/// <summary>
/// Does the broker's path use more than one core? K publisher -> subscriber pairs on distinct topics share one
/// in-process broker (one engine, one subscription tree, one message pool); each pair is driven by its own thread
/// (publish a batch, take the acknowledgements, read the subscriber's messages and acknowledge them), so no socket
/// and no load generator competes for the cores. Run it under <c>taskset -c 0</c> and <c>taskset -c 0,1</c>
/// (bench/scenarios/cores.sh): the ratio of the two rates is how Tern's routing scales from one core to two.
/// </summary>
/// <remarks>
/// Bounded in time (<c>--warmup</c>, default 3 s, then <c>--seconds</c>) and in count (10 million messages a pair). The
/// warm-up is long because on one core the runtime's tiered compiler, which needs the core the pairs keep busy, took
/// more than a second to replace the first code (with <c>DOTNET_TieredCompilation=0</c> one core and two ran one pair
/// at the same rate; with a one-second warm-up one core measured a quarter of that).
/// </remarks>
internal static class ScalingRun
{
    private const int Batch = 100;
    private const long MaximumMessagesPerPair = 10_000_000;

    /// <summary>
    /// <c>scaling [--pairs N] [--seconds S] [--qos 0|1] [--size B] [--json]</c>; prints one result line. Returns the exit
    /// code: 2 for bad usage.
    /// </summary>
    public static int Run(string[] args)
    {
        int pairs = 4;
        double seconds = 3;
        double warmup = 3;
        var qos = QualityOfService.AtMostOnce;
        int size = 16;
        bool json = false;
        for (int i = 0; i < args.Length; i++)
        {
            string? value = i + 1 < args.Length ? args[i + 1] : null;
            switch (args[i])
            {
                case "--pairs" when int.TryParse(value, CultureInfo.InvariantCulture, out pairs) && pairs is >= 1 and <= 64:
                case "--seconds" when double.TryParse(value, CultureInfo.InvariantCulture, out seconds) && seconds is > 0 and <= 60:
                case "--warmup" when double.TryParse(value, CultureInfo.InvariantCulture, out warmup) && warmup is >= 0 and <= 60:
                case "--size" when int.TryParse(value, CultureInfo.InvariantCulture, out size) && size is >= 0 and <= 65536:
                    i++;
                    break;
                case "--qos" when value is "0" or "1":
                    qos = (QualityOfService)(value[0] - '0');
                    i++;
                    break;
                case "--json":
                    json = true;
                    break;
                default:
                    Console.Error.WriteLine($"scaling: bad argument '{args[i]}' (usage: scaling [--pairs 1..64] [--seconds 0..60] [--warmup 0..60] [--qos 0|1] [--size 0..65536] [--json])");
                    return 2;
            }
        }

        var result = Measure(pairs, TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds), qos, size);
        Console.WriteLine(json
            ? string.Create(CultureInfo.InvariantCulture, $$"""{"scenario":"in-process pairs","pairs":{{pairs}},"qos":{{(int)qos}},"size":{{size}},"processors":{{Environment.ProcessorCount}},"messages":{{result.Messages}},"seconds":{{result.Seconds:F3}},"messages_per_s":{{result.Messages / result.Seconds:F0}}}""")
            : string.Create(CultureInfo.InvariantCulture, $"{pairs} pairs, QoS {(int)qos}, {size} B, {Environment.ProcessorCount} processors: {result.Messages / result.Seconds:N0} msg/s ({result.Messages:N0} in {result.Seconds:F2} s)"));
        return 0;
    }

    private static (long Messages, double Seconds) Measure(int pairCount, TimeSpan warmup, TimeSpan duration, QualityOfService qos, int size)
    {
        using var broker = new InProcessBroker();
        var pairs = new (InProcessClient Publisher, InProcessClient Subscriber, byte[] Batch)[pairCount];
        for (int i = 0; i < pairCount; i++)
        {
            string topic = string.Create(CultureInfo.InvariantCulture, $"scale/{i}/temperature");
            var subscriber = broker.Connect($"scale-sub-{i}", ProtocolVersion.V311);
            subscriber.Subscribe(topic, qos);
            pairs[i] = (broker.Connect($"scale-pub-{i}", ProtocolVersion.V311), subscriber, Packets.Publishes(Batch, topic, size, qos, ProtocolVersion.V311));
        }

        long[] counts = new long[pairCount];
        int phase = 0; // 0 warm-up, 1 measuring, 2 stop
        using var started = new CountdownEvent(pairCount);
        var threads = new Thread[pairCount];
        for (int i = 0; i < pairCount; i++)
        {
            int index = i;
            threads[i] = new Thread(() =>
            {
                var (publisher, subscriber, batch) = pairs[index];
                started.Signal();
                long measured = 0;
                long total = 0;
                int current;
                while ((current = Volatile.Read(ref phase)) != 2 && total < MaximumMessagesPerPair)
                {
                    RouteBatch(publisher, subscriber, batch, index);
                    total += Batch;
                    if (current == 1)
                    {
                        measured += Batch;
                    }
                }

                counts[index] = measured;
            })
            {
                IsBackground = true,
                Name = "scaling pair",
            };
            threads[i].Start();
        }

        // The clock bounds the run; the threads are told by the phase flag and joined (no sleep synchronises results).
        started.Wait();
        Thread.Sleep(warmup);
        var clock = Stopwatch.StartNew();
        Volatile.Write(ref phase, 1);
        Thread.Sleep(duration);
        Volatile.Write(ref phase, 2);
        double seconds = clock.Elapsed.TotalSeconds;
        foreach (var thread in threads)
        {
            thread.Join();
        }

        foreach (var (publisher, subscriber, _) in pairs)
        {
            publisher.Disconnect();
            subscriber.Disconnect();
        }

        return (counts.Sum(), seconds);
    }

    /// <summary>
    /// One batch through the broker. A method of its own, called per batch, so the runtime's tiered compiler optimises
    /// it as it does any hot method; a loop that never returns only gets on-stack replacement, which measured erratically.
    /// </summary>
    private static void RouteBatch(InProcessClient publisher, InProcessClient subscriber, byte[] batch, int pair)
    {
        publisher.SendRaw(batch);
        publisher.DiscardReceived();
        int received = subscriber.Receive();
        if (received != Batch)
        {
            throw new InvalidOperationException($"pair {pair}: expected {Batch} messages, received {received}");
        }
    }
}
