using System.Buffers;
using BenchmarkDotNet.Attributes;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Benchmarks;

/// <summary>
/// CONNECT with everything a real client sends: a will (5.0: with Will Properties), user name and password, and in 5.0
/// seven CONNECT properties. Decode = frame scan + <see cref="ConnectPacket.TryDecode"/> (every field validated, UTF-8
/// included); Encode = <see cref="ConnectPacket.Write"/> into a reused <see cref="ArrayBufferWriter{T}"/>.
/// Both are expected to allocate 0 B.
/// </summary>
[MemoryDiagnoser]
public class ConnectCodecBenchmarks
{
    private readonly ArrayBufferWriter<byte> _writer = new(4096);
    private byte[] _frame = [];
    private byte[] _properties = [];
    private byte[] _willProperties = [];

    [Params(ProtocolVersion.V311, ProtocolVersion.V500)]
    public ProtocolVersion Version { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        bool v5 = Version == ProtocolVersion.V500;
        _properties = v5
            ? new PropertyBuilder()
                .AddUInt32(PropertyId.SessionExpiryInterval, 3600)
                .AddUInt16(PropertyId.ReceiveMaximum, 100)
                .AddUInt32(PropertyId.MaximumPacketSize, 1 << 20)
                .AddUInt16(PropertyId.TopicAliasMaximum, 16)
                .AddByte(PropertyId.RequestProblemInformation, 1)
                .AddUserProperty("app", "sensor-gateway")
                .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-256")
                .Span.ToArray()
            : [];
        _willProperties = v5
            ? new PropertyBuilder()
                .AddUInt32(PropertyId.WillDelayInterval, 10)
                .AddUInt32(PropertyId.MessageExpiryInterval, 300)
                .AddString(PropertyId.ContentType, "text/plain")
                .Span.ToArray()
            : [];
        var writer = new ArrayBufferWriter<byte>();
        ConnectPacket.Write(writer, Packet());
        _frame = writer.WrittenSpan.ToArray();
    }

    [Benchmark]
    public int Decode()
    {
        FrameScanner.TryScan(_frame, 1 << 20, out var header, out _);
        ConnectPacket.TryDecode(header, _frame.AsSpan(header.HeaderLength, header.RemainingLength), out var packet, out _);
        return packet.ClientIdentifier.Length + packet.Password.Length + packet.WillPayload.Length + packet.Properties.Raw.Length;
    }

    [Benchmark]
    public int Encode()
    {
        _writer.ResetWrittenCount();
        return ConnectPacket.Write(_writer, Packet());
    }

    private ConnectPacket Packet() => new()
    {
        ProtocolVersion = Version,
        CleanSession = true,
        KeepAlive = 60,
        Properties = new MqttProperties(_properties),
        ClientIdentifier = "gateway-0042-building-1"u8,
        HasWill = true,
        WillQoS = QualityOfService.AtLeastOnce,
        WillRetain = true,
        WillProperties = new MqttProperties(_willProperties),
        WillTopic = "status/gateway-0042"u8,
        WillPayload = "offline"u8,
        HasUserName = true,
        UserName = "gateway-0042"u8,
        HasPassword = true,
        Password = "correct horse battery staple"u8,
    };
}
