using System.Buffers;
using BenchmarkDotNet.Attributes;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Benchmarks;

/// <summary>
/// PUBLISH on the hot path: frame scan + decode of a received packet, and encode into a reused writer.
/// Both must allocate 0 B per operation (issue 2's acceptance; MemoryDiagnoser's Allocated column).
/// </summary>
[MemoryDiagnoser]
public class PublishCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private byte[] _frame = [];
    private ReadOnlySequence<byte> _sequence;
    private byte[] _payload = [];
    private byte[] _properties = [];

    [Params(16, 1024)]
    public int PayloadSize { get; set; }

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _payload = new byte[PayloadSize];
        Random.Shared.NextBytes(_payload);
        _properties = Version == ProtocolVersion.V500
            ? new PropertyBuilder().AddUInt32(PropertyId.MessageExpiryInterval, 60).AddUserProperty("trace", "abc").Span.ToArray()
            : [];
        var writer = new ArrayBufferWriter<byte>();
        PublishPacket.Write(writer, Version, new PublishHeader(QualityOfService.AtLeastOnce, PacketIdentifier: 7), "sensors/building-1/floor-2/temperature"u8, _properties, _payload);
        _frame = writer.WrittenSpan.ToArray();
        _sequence = new ReadOnlySequence<byte>(_frame);
    }

    [Benchmark]
    public int ScanAndDecode()
    {
        FrameScanner.TryScan(_sequence, 1 << 20, out var header, out _);
        var body = _sequence.Slice(header.HeaderLength, header.RemainingLength);
        PublishPacket.TryDecode(header, body.FirstSpan, Version, out var packet, out _);
        return packet.Payload.Length + packet.TopicName.Length;
    }

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        return PublishPacket.Write(_writer, Version, new PublishHeader(QualityOfService.AtLeastOnce, PacketIdentifier: 7), "sensors/building-1/floor-2/temperature"u8, _properties, _payload);
    }
}
