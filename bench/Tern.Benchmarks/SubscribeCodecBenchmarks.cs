using System.Buffers;
using BenchmarkDotNet.Attributes;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Benchmarks;

/// <summary>
/// SUBSCRIBE with 10 Topic Filters (wildcards, a shared subscription; 5.0 adds a Subscription Identifier and a User
/// Property). Decode = frame scan + <see cref="SubscribePacket.TryDecode"/> (every filter and options byte validated)
/// + enumerating the 10 entries; Encode = <see cref="SubscribePacket.Write"/> of 10 <see cref="SubscriptionRequest"/>
/// (filters held as .NET strings, UTF-8 encoded while writing) into a reused <see cref="ArrayBufferWriter{T}"/>.
/// </summary>
[MemoryDiagnoser]
public class SubscribeCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private byte[] _frame = [];
    private byte[] _properties = [];
    private SubscriptionRequest[] _requests = [];

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        bool v5 = Version == ProtocolVersion.V500;
        string[] filters =
        [
            "sensors/building-1/+/temperature", "sensors/building-1/+/humidity", "sensors/building-2/#",
            "alerts/#", "commands/gateway-0042/+", "$share/workers/jobs/+", "config/gateway-0042",
            "firmware/+/available", "time/sync", "presence/+/online",
        ];
        _requests = [.. filters.Select((f, i) => new SubscriptionRequest(f, new SubscriptionOptions(
            (QualityOfService)(i % 3),
            NoLocal: v5 && i == 4,
            RetainAsPublished: v5 && i % 2 == 0,
            RetainHandling: v5 ? (RetainHandling)(i % 3) : RetainHandling.SendAtSubscribe)))];
        _properties = v5
            ? new PropertyBuilder().AddVariableByteInteger(PropertyId.SubscriptionIdentifier, 42).AddUserProperty("origin", "gateway").Span.ToArray()
            : [];
        var writer = new ArrayBufferWriter<byte>();
        SubscribePacket.Write(writer, 7, _requests, _properties, Version);
        _frame = writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int DecodeAndEnumerate()
    {
        FrameScanner.TryScan(_frame, 1 << 20, out var header, out _);
        SubscribePacket.TryDecode(header, _frame.AsSpan(header.HeaderLength, header.RemainingLength), Version, out var packet, out _);
        int sum = 0;
        foreach (var entry in packet.Subscriptions)
        {
            sum += entry.TopicFilter.Length + (int)entry.Options.QoS;
        }

        return sum;
    }

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        return SubscribePacket.Write(_writer, 7, _requests, _properties, Version);
    }
}
