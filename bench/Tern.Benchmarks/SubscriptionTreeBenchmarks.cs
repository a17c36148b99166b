using System.Text;
using BenchmarkDotNet.Attributes;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Benchmarks;

/// <summary>
/// Routing one PUBLISH through <see cref="SubscriptionTree{TSubscriber}"/> with 10,000 subscribers on distinct
/// topics plus overlapping wildcards and a shared group: the cost must follow the topic's depth and the number of
/// matches, not the number of subscribers (MQTTnet's scan is the counter-example). Allocation must be 0 B.
/// </summary>
[MemoryDiagnoser]
public class SubscriptionTreeBenchmarks
{
    private const int Subscribers = 10_000;

    private readonly SubscriptionTree<Subscriber> _tree = new();
    private readonly SubscriptionCollector<Subscriber> _collector = new();
    private byte[] _deviceTopic = [];
    private byte[] _unsubscribedTopic = [];
    private byte[] _systemTopic = [];

    [GlobalSetup]
    public void Setup()
    {
        var subscribers = new Subscriber[Subscribers];
        for (int i = 0; i < Subscribers; i++)
        {
            subscribers[i] = new Subscriber();
            Subscribe($"site/{i % 100}/device/{i}/telemetry", subscribers[i], QualityOfService.AtLeastOnce, i + 1);
        }

        for (int i = 0; i < 20; i++)
        {
            Subscribe("site/+/device/+/telemetry", subscribers[i], QualityOfService.AtMostOnce, 20_000 + i);
        }

        for (int i = 0; i < 10; i++)
        {
            Subscribe($"site/{i}/#", subscribers[i * 3], QualityOfService.ExactlyOnce, 0);
        }

        for (int i = 0; i < 5; i++)
        {
            Subscribe("#", subscribers[i * 1_000], QualityOfService.AtMostOnce, 0);
        }

        for (int i = 0; i < 4; i++)
        {
            Subscribe("$share/ingest/site/+/device/+/telemetry", subscribers[i * 11], QualityOfService.AtLeastOnce, 0);
        }

        _deviceTopic = Encoding.UTF8.GetBytes("site/2/device/4202/telemetry");
        _unsubscribedTopic = Encoding.UTF8.GetBytes("site/2/device/99999/telemetry");
        _systemTopic = Encoding.UTF8.GetBytes("$SYS/broker/clients/connected");

        // Grow the collector's buffers once, as a long-running read loop would have.
        Match_and_collapse_per_subscriber();
    }

    [Benchmark(Baseline = true)]
    public int Match_device_topic() => _tree.Match(_deviceTopic, _collector);

    [Benchmark]
    public int Match_and_collapse_per_subscriber()
    {
        _tree.Match(_deviceTopic, _collector);
        _collector.CollapsePerSubscriber();
        return _collector.Count;
    }

    [Benchmark]
    public int Match_topic_only_wildcards_reach() => _tree.Match(_unsubscribedTopic, _collector);

    [Benchmark]
    public int Match_dollar_topic_no_wildcard_reaches() => _tree.Match(_systemTopic, _collector);

    private void Subscribe(string filter, Subscriber subscriber, QualityOfService qos, int identifier) =>
        _tree.Subscribe(Encoding.UTF8.GetBytes(filter), subscriber, new SubscriptionEntryOptions { GrantedQoS = qos, SubscriptionIdentifier = identifier });

    /// <summary>Stands in for the broker's session.</summary>
    public sealed class Subscriber;
}
