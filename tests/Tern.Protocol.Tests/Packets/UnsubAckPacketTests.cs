using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class UnsubAckPacketTests
{
    [Fact]
    public void A_311_unsuback_is_a_packet_identifier_and_nothing_else()
    {
        var frame = Hex.Bytes("B0 02 00 0B"); // UNSUBACK, remaining length 2, packet identifier 11
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            var packet = Decode(frame, version);
            Assert.Equal(11, packet.PacketIdentifier);
            Assert.True(packet.ReasonCodes.IsEmpty);
            Assert.Equal(frame, Write(new UnsubAckPacket { PacketIdentifier = 11 }, version));
        }
    }

    [Fact]
    public void A_311_unsuback_writer_ignores_the_50_only_parts()
    {
        ReasonCode[] codes = [ReasonCode.NoSubscriptionExisted];
        Assert.Equal(Hex.Bytes("B0 02 00 0B"), Write(new UnsubAckPacket { PacketIdentifier = 11, ReasonCodes = codes }, ProtocolVersion.V311));
    }

    [Fact]
    public void A_50_unsuback_has_one_reason_code_per_filter()
    {
        var frame = Hex.Bytes(
            "B0 05" +       // UNSUBACK, remaining length 5
            " 00 0B" +      // packet identifier 11
            " 00" +         // property length 0
            " 00 11");      // Success, No subscription existed
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal([ReasonCode.Success, ReasonCode.NoSubscriptionExisted], packet.ReasonCodes.ToArray());
        ReasonCode[] codes = [ReasonCode.Success, ReasonCode.NoSubscriptionExisted];
        Assert.Equal(frame, Write(new UnsubAckPacket { PacketIdentifier = 11, ReasonCodes = codes }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_unsuback_with_a_reason_string()
    {
        var frame = Hex.Bytes(
            "B0 08" +              // UNSUBACK, remaining length 8
            " 00 0B" +             // packet identifier 11
            " 04 1F 00 01 'x'" +   // property length 4: Reason String "x"
            " 87");                // Not authorized
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal("x", packet.Properties.GetStringOrNull(PropertyId.ReasonString));
        Assert.Equal([ReasonCode.NotAuthorized], packet.ReasonCodes.ToArray());
        var props = new PropertyBuilder().AddString(PropertyId.ReasonString, "x");
        ReasonCode[] codes = [ReasonCode.NotAuthorized];
        Assert.Equal(frame, Write(new UnsubAckPacket { PacketIdentifier = 11, ReasonCodes = codes, Properties = new MqttProperties(props.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void The_writer_refuses_caller_bugs()
    {
        ReasonCode[] granted = [ReasonCode.GrantedQoS1];
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(new UnsubAckPacket(), ProtocolVersion.V311));
        Assert.Throws<ArgumentException>(() => Write(new UnsubAckPacket { PacketIdentifier = 1 }, ProtocolVersion.V500));
        Assert.Throws<ArgumentException>(() => Write(new UnsubAckPacket { PacketIdentifier = 1, ReasonCodes = granted }, ProtocolVersion.V500));
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_destination_is_one_byte_short()
    {
        ReasonCode[] codes = [ReasonCode.Success];
        var packet = new UnsubAckPacket { PacketIdentifier = 3, ReasonCodes = codes };
        var destination = new byte[UnsubAckPacket.GetSize(packet, ProtocolVersion.V500) - 1];
        Assert.False(UnsubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));
        destination = new byte[destination.Length + 1];
        Assert.True(UnsubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out written));
        Assert.Equal(Hex.Bytes("B0 04 00 03 00 00"), destination);
    }

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void Any_unsuback_survives_a_round_trip(ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        var allowed = Enumerable.Range(0, 256).Select(b => (ReasonCode)b).Where(c => ReasonCodes.IsAllowedIn(c, PacketType.UnsubAck)).ToArray();
        Gen.Select(Gen.UShort[1, ushort.MaxValue], Gen.OneOfConst(allowed).Array[1, 20], Gen.Bool).Sample((id, codes, withProps) =>
        {
            var props = new PropertyBuilder();
            if (withProps)
            {
                props.AddUserProperty("a", "b").AddString(PropertyId.ReasonString, "r");
            }

            var bytes = Write(new UnsubAckPacket { PacketIdentifier = id, ReasonCodes = codes, Properties = new MqttProperties(props.Span) }, version);
            var packet = Decode(bytes, version);
            Assert.Equal(id, packet.PacketIdentifier);
            Assert.Equal(v5 ? codes : [], packet.ReasonCodes.ToArray());
            Assert.Equal(v5 ? props.Span : default, packet.Properties.Raw);
        }, iter: 300);
    }

    private static UnsubAckPacket Decode(byte[] frame, ProtocolVersion version)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(UnsubAckPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static byte[] Write(in UnsubAckPacket packet, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        Assert.Equal(UnsubAckPacket.GetSize(packet, version), UnsubAckPacket.Write(writer, packet, version));
        return writer.WrittenSpan.ToArray();
    }
}
