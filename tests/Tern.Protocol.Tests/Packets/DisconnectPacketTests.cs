using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class DisconnectPacketTests
{
    // 5.0 DISCONNECT from a server going down, pointing the client elsewhere (5.0 §3.14.2).
    private const string Disconnect500 =
        "E0 17" +                    // DISCONNECT, remaining length 23
        " 8B" +                      // reason code Server shutting down
        " 15" +                      // property length 21
        " 1F 00 08 'shutdown'" +     //   Reason String
        " 1C 00 07 'b2:1883'";       //   Server Reference

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public void An_empty_disconnect_is_a_normal_disconnection_in_every_version(ProtocolVersion version)
    {
        var packet = Decode(Hex.Bytes("E0 00"), version);

        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
        Assert.Equal("E000", Encode(default, version));
    }

    [Fact]
    public void A_311_disconnect_is_written_as_E0_00_whatever_the_50_fields_say()
    {
        var properties = new PropertyBuilder().AddString(PropertyId.ReasonString, "bye");

        Assert.Equal("E000", Encode(new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V311));
    }

    [Fact]
    public void A_50_disconnect_with_only_a_reason_code_decodes_and_is_written_in_the_short_form_section_3_14_2_1()
    {
        var packet = Decode(Hex.Bytes("E0 01 04"), ProtocolVersion.V500);

        Assert.Equal(ReasonCode.DisconnectWithWillMessage, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
        Assert.Equal("E00104", Encode(new DisconnectPacket { ReasonCode = ReasonCode.DisconnectWithWillMessage }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_disconnect_with_an_explicit_success_and_empty_properties_decodes_as_normal_disconnection()
    {
        var packet = Decode(Hex.Bytes("E0 02 00 00"), ProtocolVersion.V500);

        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
    }

    [Fact]
    public void A_50_disconnect_with_properties_decodes_every_field()
    {
        var packet = Decode(Hex.Bytes(Disconnect500), ProtocolVersion.V500);

        Assert.Equal(ReasonCode.ServerShuttingDown, packet.ReasonCode);
        Assert.Equal("shutdown", packet.Properties.GetStringOrNull(PropertyId.ReasonString));
        Assert.Equal("b2:1883", packet.Properties.GetStringOrNull(PropertyId.ServerReference));
    }

    [Fact]
    public void A_50_disconnect_with_properties_is_written_byte_for_byte()
    {
        var properties = new PropertyBuilder()
            .AddString(PropertyId.ReasonString, "shutdown")
            .AddString(PropertyId.ServerReference, "b2:1883");

        Assert.Equal(Hex.Format(Hex.Bytes(Disconnect500)), Encode(new DisconnectPacket { ReasonCode = ReasonCode.ServerShuttingDown, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_normal_disconnection_with_a_session_expiry_keeps_its_reason_code()
    {
        const string hex = "E0 07 00 05 11 00 00 00 3C"; // Normal disconnection, Session Expiry Interval 60
        var packet = Decode(Hex.Bytes(hex), ProtocolVersion.V500);

        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.Equal(60u, packet.Properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval));

        var properties = new PropertyBuilder().AddUInt32(PropertyId.SessionExpiryInterval, 60);
        Assert.Equal(Hex.Format(Hex.Bytes(hex)), Encode(new DisconnectPacket { Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void Writing_a_50_disconnect_with_a_reason_code_of_another_packet_is_a_caller_bug_MQTT_3_14_2_1()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = ReasonCode.ContinueAuthentication }, ProtocolVersion.V500));
        Assert.Equal(0, writer.WrittenCount);
    }

    private static readonly ReasonCode[] DisconnectReasonCodes =
        [.. Enumerable.Range(0, 256).Select(b => (ReasonCode)b).Where(code => ReasonCodes.IsAllowedIn(code, PacketType.Disconnect))];

    private static readonly Gen<(ReasonCode Reason, byte[] Properties)> Model =
        Gen.Select(Gen.OneOfConst(DisconnectReasonCodes), Gen.Frequency((1, Gen.Const(Array.Empty<byte>())), (3, ConnectFamilyGenerators.Properties(PropertyContext.Disconnect))));

    [Fact]
    public void Every_50_disconnect_reads_back_the_same_fields_and_takes_the_shortest_form()
    {
        Model.Sample(m =>
        {
            var written = new DisconnectPacket { ReasonCode = m.Reason, Properties = new MqttProperties(m.Properties) };
            var frame = Hex.Bytes(Encode(written, ProtocolVersion.V500));
            int expectedRemaining = m.Properties.Length > 0 ? 1 + VariableByteInteger.GetSize(m.Properties.Length) + m.Properties.Length
                : m.Reason == ReasonCode.Success ? 0 : 1;

            var body = Hex.SplitFrame(frame, out var header);
            Assert.Equal(expectedRemaining, header.RemainingLength);
            Assert.True(DisconnectPacket.TryDecode(header, body, ProtocolVersion.V500, out var packet, out var violation), violation.ToString());
            Assert.Equal(m.Reason, packet.ReasonCode);
            Assert.Equal(m.Properties, packet.Properties.Raw.ToArray());

            var exact = new byte[frame.Length];
            Assert.True(DisconnectPacket.TryWrite(exact, written, ProtocolVersion.V500, out int count));
            Assert.Equal(frame, exact[..count]);
            Assert.False(DisconnectPacket.TryWrite(new byte[frame.Length - 1], written, ProtocolVersion.V500, out _));

            // Lengths 0 and 1 are the short forms; every other cut ends inside the property block.
            for (int length = 2; length < body.Length; length++)
            {
                Assert.False(DisconnectPacket.TryDecode(header with { RemainingLength = length }, body.AsSpan(0, length), ProtocolVersion.V500, out _, out violation));
                Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
            }
        }, iter: 1_000);
    }

    private static DisconnectPacket Decode(byte[] frame, ProtocolVersion version)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(DisconnectPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static string Encode(in DisconnectPacket packet, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = DisconnectPacket.Write(writer, packet, version);
        Assert.Equal(written, writer.WrittenCount);
        Assert.Equal(DisconnectPacket.GetSize(packet, version), written);
        return Hex.Format(writer.WrittenSpan);
    }
}
