using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class PubAckPacketTests
{
    // ---- Golden vectors (3.1.1 §3.4–§3.7: fixed header, remaining length 2, packet identifier) ----

    [Theory]
    [InlineData("40 02 00 01", PacketType.PubAck, 0x0001)]   // PUBACK, RL 2, id 1
    [InlineData("50 02 12 34", PacketType.PubRec, 0x1234)]   // PUBREC, RL 2, id 0x1234
    [InlineData("62 02 00 07", PacketType.PubRel, 0x0007)]   // PUBREL (flags 0010), RL 2, id 7
    [InlineData("70 02 FF FF", PacketType.PubComp, 0xFFFF)]  // PUBCOMP, RL 2, id 65535
    public void A_311_acknowledgement_is_a_packet_identifier_and_nothing_else(string hex, PacketType type, int packetId)
    {
        var frame = Hex.Bytes(hex);
        foreach (var version in new[] { ProtocolVersion.V310, ProtocolVersion.V311 })
        {
            var packet = Decode(frame, version);
            Assert.Equal(type, packet.Type);
            Assert.Equal(packetId, packet.PacketIdentifier);
            Assert.Equal(ReasonCode.Success, packet.ReasonCode);
            Assert.True(packet.Properties.IsEmpty);
            Assert.Equal(frame, Write(new PubAckPacket { Type = type, PacketIdentifier = (ushort)packetId }, version));
        }
    }

    [Fact]
    public void A_50_acknowledgement_of_remaining_length_2_means_success_without_properties_section_3_4_2_1()
    {
        var frame = Hex.Bytes("40 02 00 01"); // PUBACK, RL 2, id 1: Reason Code and Property Length omitted
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
        Assert.Equal(frame, Write(new PubAckPacket { Type = PacketType.PubAck, PacketIdentifier = 1 }, ProtocolVersion.V500));
    }

    [Theory]
    [InlineData("40 03 00 01 10", PacketType.PubAck, ReasonCode.NoMatchingSubscribers)] // PUBACK, RL 3, id 1, rc 0x10
    [InlineData("50 03 00 01 87", PacketType.PubRec, ReasonCode.NotAuthorized)]         // PUBREC, RL 3, id 1, rc 0x87
    [InlineData("62 03 00 01 92", PacketType.PubRel, ReasonCode.PacketIdentifierNotFound)] // PUBREL, RL 3, id 1, rc 0x92
    [InlineData("70 03 00 01 92", PacketType.PubComp, ReasonCode.PacketIdentifierNotFound)] // PUBCOMP, RL 3, id 1, rc 0x92
    public void A_50_acknowledgement_of_remaining_length_3_has_a_reason_code_and_no_property_length(string hex, PacketType type, ReasonCode code)
    {
        var frame = Hex.Bytes(hex);
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal(type, packet.Type);
        Assert.Equal(1, packet.PacketIdentifier);
        Assert.Equal(code, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
        Assert.Equal(frame, Write(new PubAckPacket { Type = type, PacketIdentifier = 1, ReasonCode = code }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_pubrel_with_a_reason_string_uses_the_long_form()
    {
        var frame = Hex.Bytes(
            "62 08" +            // PUBREL (flags 0010), remaining length 8
            " 00 07" +           // packet identifier 7
            " 92" +              // Reason Code 0x92 Packet Identifier not found
            " 04" +              // property length 4
            " 1F 00 01 'x'");    // Reason String "x"
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal(PacketType.PubRel, packet.Type);
        Assert.Equal(7, packet.PacketIdentifier);
        Assert.Equal(ReasonCode.PacketIdentifierNotFound, packet.ReasonCode);
        Assert.Equal("x", packet.Properties.GetStringOrNull(PropertyId.ReasonString));

        var props = new PropertyBuilder().AddString(PropertyId.ReasonString, "x");
        Assert.Equal(frame, Write(new PubAckPacket { Type = PacketType.PubRel, PacketIdentifier = 7, ReasonCode = ReasonCode.PacketIdentifierNotFound, Properties = new MqttProperties(props.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_puback_with_success_and_a_user_property_keeps_the_reason_code_byte()
    {
        var frame = Hex.Bytes(
            "40 0B" +                   // PUBACK, remaining length 11
            " 00 01" +                  // packet identifier 1
            " 00" +                     // Reason Code 0x00 Success (cannot be omitted when properties follow)
            " 07" +                     // property length 7
            " 26 00 01 'k' 00 01 'v'"); // User Property k=v
        var packet = Decode(frame, ProtocolVersion.V500);
        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        foreach (var p in packet.Properties)
        {
            Assert.Equal(PropertyId.UserProperty, p.Id);
            Assert.Equal("k"u8, p.Value);
            Assert.Equal("v"u8, p.PairValue);
        }

        var props = new PropertyBuilder().AddUserProperty("k", "v");
        Assert.Equal(frame, Write(new PubAckPacket { Type = PacketType.PubAck, PacketIdentifier = 1, Properties = new MqttProperties(props.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_acknowledgement_with_an_empty_property_block_decodes_and_is_rewritten_in_the_shortest_form()
    {
        // PUBCOMP, RL 4, id 1, rc 0x00, property length 0: legal, but not the shortest way to say it.
        var packet = Decode(Hex.Bytes("70 04 00 01 00 00"), ProtocolVersion.V500);
        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.Equal(Hex.Bytes("70 02 00 01"), Write(packet, ProtocolVersion.V500));
    }

    // ---- The hot-path writer ----

    [Theory]
    [InlineData(PacketType.PubAck, "40 02 AB CD")]
    [InlineData(PacketType.PubRec, "50 02 AB CD")]
    [InlineData(PacketType.PubRel, "62 02 AB CD")]
    [InlineData(PacketType.PubComp, "70 02 AB CD")]
    public void WriteShort_writes_the_four_byte_form_of_each_acknowledgement(PacketType type, string hex)
    {
        Span<byte> buffer = stackalloc byte[8];
        Assert.Equal(PubAckPacket.ShortSize, PubAckPacket.WriteShort(buffer, type, 0xABCD));
        Assert.Equal(Hex.Bytes(hex), buffer[..4].ToArray());
    }

    [Fact]
    public void WriteShort_refuses_caller_bugs()
    {
        var buffer = new byte[4];
        Assert.Throws<ArgumentException>(() => PubAckPacket.WriteShort(buffer, PacketType.Publish, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => PubAckPacket.WriteShort(buffer, PacketType.PubAck, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PubAckPacket.WriteShort(buffer.AsSpan(0, 3), PacketType.PubAck, 1));
    }

    // ---- Writer contracts ----

    [Fact]
    public void The_writer_refuses_a_failure_reason_code_in_311_rather_than_send_a_positive_acknowledgement()
    {
        Assert.Throws<ArgumentException>(() => Write(new PubAckPacket { Type = PacketType.PubAck, PacketIdentifier = 1, ReasonCode = ReasonCode.NotAuthorized }, ProtocolVersion.V311));
    }

    [Fact]
    public void The_writer_refuses_a_reason_code_the_packet_type_cannot_carry_MQTT_3_6_2_1()
    {
        Assert.Throws<ArgumentException>(() => Write(new PubAckPacket { Type = PacketType.PubRel, PacketIdentifier = 1, ReasonCode = ReasonCode.NotAuthorized }, ProtocolVersion.V500));
    }

    [Fact]
    public void The_writer_refuses_packet_identifier_0_and_other_packet_types()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Write(new PubAckPacket { Type = PacketType.PubAck }, ProtocolVersion.V500));
        Assert.Throws<ArgumentException>(() => Write(new PubAckPacket { Type = PacketType.SubAck, PacketIdentifier = 1 }, ProtocolVersion.V500));
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_destination_is_one_byte_short()
    {
        var props = new PropertyBuilder().AddString(PropertyId.ReasonString, "quota");
        var packet = new PubAckPacket { Type = PacketType.PubRec, PacketIdentifier = 9, ReasonCode = ReasonCode.QuotaExceeded, Properties = new MqttProperties(props.Span) };
        int size = PubAckPacket.GetSize(packet, ProtocolVersion.V500);
        var destination = new byte[size - 1];
        Assert.False(PubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0, b));

        destination = new byte[size];
        Assert.True(PubAckPacket.TryWrite(destination, packet, ProtocolVersion.V500, out written));
        Assert.Equal(size, written);
        Assert.Equal(Write(packet, ProtocolVersion.V500), destination);
    }

    [Fact]
    public void A_decoder_handed_another_packet_type_refuses_it_without_throwing()
    {
        var frame = Hex.Bytes("B0 02 00 01"); // an UNSUBACK
        var body = Hex.SplitFrame(frame, out var header);
        Assert.False(PubAckPacket.TryDecode(header, body, ProtocolVersion.V311, out _, out var violation));
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
    }

    // ---- Round trips ----

    private static readonly PacketType[] AckTypes = [PacketType.PubAck, PacketType.PubRec, PacketType.PubRel, PacketType.PubComp];

    private static readonly ReasonCode[] AllCodes = Enum.GetValues<ReasonCode>();

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    public void Any_311_acknowledgement_survives_a_round_trip(ProtocolVersion version)
    {
        Gen.Select(Gen.OneOfConst(AckTypes), Gen.UShort[1, ushort.MaxValue]).Sample((type, id) =>
        {
            var bytes = Write(new PubAckPacket { Type = type, PacketIdentifier = id }, version);
            Assert.Equal(4, bytes.Length);
            var back = Decode(bytes, version);
            Assert.Equal(type, back.Type);
            Assert.Equal(id, back.PacketIdentifier);
        }, iter: 500);
    }

    [Fact]
    public void Any_50_acknowledgement_survives_a_round_trip()
    {
        var gen = Gen.Select(
            Gen.OneOfConst(AckTypes),
            Gen.UShort[1, ushort.MaxValue],
            Gen.Int[0, AllCodes.Length - 1],
            Gen.String[0, 12],
            Gen.Int[0, 3]);
        gen.Sample((type, id, codeIndex, reason, userProperties) =>
        {
            // Pick a code this type may carry: walk from a random start to the next allowed one.
            var code = ReasonCode.Success;
            for (int i = 0; i < AllCodes.Length; i++)
            {
                var candidate = AllCodes[(codeIndex + i) % AllCodes.Length];
                if (ReasonCodes.IsAllowedIn(candidate, type))
                {
                    code = candidate;
                    break;
                }
            }

            var props = new PropertyBuilder();
            if (reason.Length > 0 && !reason.Contains('\0', StringComparison.Ordinal))
            {
                props.AddString(PropertyId.ReasonString, reason);
            }

            for (int i = 0; i < userProperties; i++)
            {
                props.AddUserProperty("n" + i, "v" + i);
            }

            var packet = new PubAckPacket { Type = type, PacketIdentifier = id, ReasonCode = code, Properties = new MqttProperties(props.Span) };
            var bytes = Write(packet, ProtocolVersion.V500);
            Assert.Equal(PubAckPacket.GetSize(packet, ProtocolVersion.V500), bytes.Length);
            int expectedRemaining = props.Span.IsEmpty ? (code == ReasonCode.Success ? 2 : 3) : 3 + VariableByteInteger.GetSize(props.Span.Length) + props.Span.Length;
            Hex.SplitFrame(bytes, out var header);
            Assert.Equal(expectedRemaining, header.RemainingLength); // the shortest form, §3.4.2.1

            var back = Decode(bytes, ProtocolVersion.V500);
            Assert.Equal(type, back.Type);
            Assert.Equal(id, back.PacketIdentifier);
            Assert.Equal(code, back.ReasonCode);
            Assert.Equal(props.Span, back.Properties.Raw);
        }, iter: 500);
    }

    // ---- Helpers ----

    private static PubAckPacket Decode(byte[] frame, ProtocolVersion version)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(PubAckPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static byte[] Write(in PubAckPacket packet, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = PubAckPacket.Write(writer, packet, version);
        Assert.Equal(writer.WrittenCount, written);
        return writer.WrittenSpan.ToArray();
    }
}
