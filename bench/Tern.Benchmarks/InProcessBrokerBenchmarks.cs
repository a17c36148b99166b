using BenchmarkDotNet.Attributes;
using Tern.Benchmarks.InProcess;
using Tern.Protocol;

namespace Tern.Benchmarks;

/// <summary>
/// The whole broker path of one message with no sockets (issue 9): a publisher's PUBLISH is framed, decoded and routed,
/// the subscriber's encoding is copied into its output pipe, read back and (QoS 1) acknowledged, and the PUBACK to the
/// publisher is written. Clean sessions, no per-subscriber properties. One operation is one routed message
/// (<see cref="Batch"/> per invocation); the Allocated column must read 0 B (-).
/// </summary>
[MemoryDiagnoser]
public class InProcessBrokerBenchmarks
{
    /// <summary>Messages per invocation: below the in-flight window, so QoS 1 never queues.</summary>
    private const int Batch = 100;

    private InProcessBroker? _broker;
    private InProcessClient? _publisher;
    private InProcessClient? _subscriber;
    private byte[] _publishes = [];

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [Params(QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce)]
    public QualityOfService QoS { get; set; }

    [Params(16, 1024)]
    public int PayloadSize { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _broker = new InProcessBroker();
        _subscriber = _broker.Connect("bench-sub", Version);
        _subscriber.Subscribe("bench/+/temperature", QoS);
        _publisher = _broker.Connect("bench-pub", Version);
        _publishes = Packets.Publishes(Batch, "bench/floor-2/temperature", PayloadSize, QoS, Version);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _publisher?.Disconnect();
        _subscriber?.Disconnect();
        _broker?.Dispose();
    }

    [Benchmark(OperationsPerInvoke = Batch)]
    public int RouteOneMessage()
    {
        _publisher!.SendRaw(_publishes);
        _publisher.DiscardReceived();
        int received = _subscriber!.Receive();
        if (received != Batch)
        {
            throw new InvalidOperationException($"Expected {Batch} messages, received {received}.");
        }

        return received;
    }
}
