using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class ConnAckPacketTests
{
    // 5.0 CONNACK accepting a resumed session, with server capabilities (5.0 §3.2.2.3).
    private const string ConnAck500 =
        "20 12" +                    // CONNACK, remaining length 18
        " 01" +                      // acknowledge flags: Session Present
        " 00" +                      // reason code Success
        " 0F" +                      // property length 15
        " 12 00 04 'auto'" +         //   Assigned Client Identifier
        " 22 00 0A" +                //   Topic Alias Maximum 10
        " 24 01" +                   //   Maximum QoS 1
        " 13 00 1E";                 //   Server Keep Alive 30

    [Theory]
    [InlineData("20 02 01 00", ProtocolVersion.V311, true, ConnectReturnCode.Accepted, ReasonCode.Success)]
    [InlineData("20 02 00 00", ProtocolVersion.V311, false, ConnectReturnCode.Accepted, ReasonCode.Success)]
    [InlineData("20 02 00 01", ProtocolVersion.V311, false, ConnectReturnCode.UnacceptableProtocolVersion, ReasonCode.UnsupportedProtocolVersion)]
    [InlineData("20 02 00 02", ProtocolVersion.V311, false, ConnectReturnCode.IdentifierRejected, ReasonCode.ClientIdentifierNotValid)]
    [InlineData("20 02 00 03", ProtocolVersion.V311, false, ConnectReturnCode.ServerUnavailable, ReasonCode.ServerUnavailable)]
    [InlineData("20 02 00 04", ProtocolVersion.V311, false, ConnectReturnCode.BadUserNameOrPassword, ReasonCode.BadUserNameOrPassword)]
    [InlineData("20 02 00 05", ProtocolVersion.V311, false, ConnectReturnCode.NotAuthorized, ReasonCode.NotAuthorized)]
    [InlineData("20 02 00 00", ProtocolVersion.V310, false, ConnectReturnCode.Accepted, ReasonCode.Success)]
    [InlineData("20 02 00 02", ProtocolVersion.V310, false, ConnectReturnCode.IdentifierRejected, ReasonCode.ClientIdentifierNotValid)]
    public void A_3x_connack_decodes_session_present_the_return_code_and_its_50_equivalent(
        string hex, ProtocolVersion version, bool sessionPresent, ConnectReturnCode returnCode, ReasonCode reasonCode)
    {
        var packet = Decode(Hex.Bytes(hex), version);

        Assert.Equal(sessionPresent, packet.SessionPresent);
        Assert.Equal(returnCode, packet.ReturnCode);
        Assert.Equal(reasonCode, packet.ReasonCode);
        Assert.Equal(returnCode == ConnectReturnCode.Accepted, packet.IsAccepted);
        Assert.True(packet.Properties.IsEmpty);
    }

    [Fact]
    public void A_311_connack_is_written_byte_for_byte()
    {
        Assert.Equal("20020100", Encode(new ConnAckPacket { SessionPresent = true }, ProtocolVersion.V311));
        Assert.Equal("20020005", Encode(new ConnAckPacket { ReturnCode = ConnectReturnCode.NotAuthorized }, ProtocolVersion.V311));
    }

    [Fact]
    public void A_311_refusal_given_as_a_50_reason_code_is_written_as_its_return_code_and_never_as_an_acceptance()
    {
        Assert.Equal("20020005", Encode(new ConnAckPacket { ReasonCode = ReasonCode.NotAuthorized }, ProtocolVersion.V311));
        Assert.Equal("20020005", Encode(new ConnAckPacket { ReasonCode = ReasonCode.Banned }, ProtocolVersion.V311));
        Assert.Equal("20020003", Encode(new ConnAckPacket { ReasonCode = ReasonCode.ServerBusy }, ProtocolVersion.V311));
        Assert.Equal("20020001", Encode(new ConnAckPacket { ReasonCode = ReasonCode.UnsupportedProtocolVersion }, ProtocolVersion.V311));
    }

    [Fact]
    public void A_31_connack_has_no_session_present_flag_and_writes_byte_1_as_zero()
    {
        Assert.Equal("20020000", Encode(new ConnAckPacket { SessionPresent = true }, ProtocolVersion.V310));
        Assert.Equal("20020002", Encode(new ConnAckPacket { ReturnCode = ConnectReturnCode.IdentifierRejected }, ProtocolVersion.V310));
    }

    [Fact]
    public void A_50_connack_with_properties_decodes_every_field()
    {
        var packet = Decode(Hex.Bytes(ConnAck500), ProtocolVersion.V500);

        Assert.True(packet.SessionPresent);
        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.True(packet.IsAccepted);
        Assert.Equal("auto", packet.Properties.GetStringOrNull(PropertyId.AssignedClientIdentifier));
        Assert.Equal(10u, packet.Properties.GetIntegerOrNull(PropertyId.TopicAliasMaximum));
        Assert.Equal(1u, packet.Properties.GetIntegerOrNull(PropertyId.MaximumQoS));
        Assert.Equal(30u, packet.Properties.GetIntegerOrNull(PropertyId.ServerKeepAlive));
    }

    [Fact]
    public void A_50_connack_with_properties_is_written_byte_for_byte()
    {
        var properties = new PropertyBuilder()
            .AddString(PropertyId.AssignedClientIdentifier, "auto")
            .AddUInt16(PropertyId.TopicAliasMaximum, 10)
            .AddByte(PropertyId.MaximumQoS, 1)
            .AddUInt16(PropertyId.ServerKeepAlive, 30);

        var packet = new ConnAckPacket { SessionPresent = true, Properties = new MqttProperties(properties.Span) };

        Assert.Equal(Hex.Format(Hex.Bytes(ConnAck500)), Encode(packet, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_refusal_with_a_reason_string_decodes_and_is_written_byte_for_byte()
    {
        const string hex = "20 08 00 8A 05 1F 00 02 'no'"; // not present, Banned, Reason String "no"
        var packet = Decode(Hex.Bytes(hex), ProtocolVersion.V500);

        Assert.False(packet.SessionPresent);
        Assert.Equal(ReasonCode.Banned, packet.ReasonCode);
        Assert.False(packet.IsAccepted);
        Assert.Equal("no", packet.Properties.GetStringOrNull(PropertyId.ReasonString));

        var properties = new PropertyBuilder().AddString(PropertyId.ReasonString, "no");
        Assert.Equal(Hex.Format(Hex.Bytes(hex)), Encode(new ConnAckPacket { ReasonCode = ReasonCode.Banned, Properties = new MqttProperties(properties.Span) }, ProtocolVersion.V500));
    }

    [Fact]
    public void A_50_connack_always_carries_a_property_length()
    {
        Assert.Equal("2003000000", Encode(default, ProtocolVersion.V500));
        Assert.Equal("2003008700", Encode(new ConnAckPacket { ReturnCode = ConnectReturnCode.NotAuthorized }, ProtocolVersion.V500));
    }

    public static TheoryData<string> CallerBugs => new()
    {
        "311 session present with a refusal",
        "500 session present with a refusal",
        "500 reason code of another packet",
        "311 reason code without return code",
        "311 reserved return code",
    };

    [Theory]
    [MemberData(nameof(CallerBugs))]
    public void Writing_a_connack_a_server_may_not_send_is_a_caller_bug(string bug)
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => bug switch
        {
            "311 session present with a refusal" => ConnAckPacket.Write(writer, new ConnAckPacket { SessionPresent = true, ReturnCode = ConnectReturnCode.NotAuthorized }, ProtocolVersion.V311),
            "500 session present with a refusal" => ConnAckPacket.Write(writer, new ConnAckPacket { SessionPresent = true, ReasonCode = ReasonCode.NotAuthorized }, ProtocolVersion.V500),
            "500 reason code of another packet" => ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = ReasonCode.SessionTakenOver }, ProtocolVersion.V500),
            "311 reason code without return code" => ConnAckPacket.Write(writer, new ConnAckPacket { ReasonCode = ReasonCode.MalformedPacket }, ProtocolVersion.V311),
            _ => ConnAckPacket.Write(writer, new ConnAckPacket { ReturnCode = (ConnectReturnCode)6 }, ProtocolVersion.V311),
        });
        Assert.Equal(0, writer.WrittenCount);
    }

    private static readonly ReasonCode[] ConnAckReasonCodes =
        [.. Enumerable.Range(0, 256).Select(b => (ReasonCode)b).Where(code => ReasonCodes.IsAllowedIn(code, PacketType.ConnAck))];

    private static readonly Gen<(ProtocolVersion Version, bool SessionPresent, byte Code, byte[] Properties)> Model =
        from version in ConnectFamilyGenerators.Version
        from code in version == ProtocolVersion.V500 ? Gen.OneOfConst(ConnAckReasonCodes).Select(c => (byte)c) : Gen.Byte[0, 5]
        from sessionPresent in code == 0 && version != ProtocolVersion.V310 ? Gen.Bool : Gen.Const(false)
        from properties in version == ProtocolVersion.V500 ? ConnectFamilyGenerators.Properties(PropertyContext.ConnAck) : Gen.Const(Array.Empty<byte>())
        select (version, sessionPresent, code, properties);

    [Fact]
    public void Every_connack_a_server_may_send_reads_back_the_same_fields_in_every_version()
    {
        Model.Sample(m =>
        {
            var written = m.Version == ProtocolVersion.V500
                ? new ConnAckPacket { SessionPresent = m.SessionPresent, ReasonCode = (ReasonCode)m.Code, Properties = new MqttProperties(m.Properties) }
                : new ConnAckPacket { SessionPresent = m.SessionPresent, ReturnCode = (ConnectReturnCode)m.Code };
            var frame = Hex.Bytes(Encode(written, m.Version));

            var exact = new byte[frame.Length];
            Assert.True(ConnAckPacket.TryWrite(exact, written, m.Version, out int count));
            Assert.Equal(frame, exact[..count]);
            Assert.False(ConnAckPacket.TryWrite(new byte[frame.Length - 1], written, m.Version, out _));

            var packet = Decode(frame, m.Version);
            Assert.Equal(m.SessionPresent, packet.SessionPresent);
            if (m.Version == ProtocolVersion.V500)
            {
                Assert.Equal((ReasonCode)m.Code, packet.ReasonCode);
            }
            else
            {
                Assert.Equal((ConnectReturnCode)m.Code, packet.ReturnCode);
            }

            Assert.Equal(m.Properties, packet.Properties.Raw.ToArray());

            var body = Hex.SplitFrame(frame, out var header);
            for (int length = 0; length < body.Length; length++)
            {
                Assert.False(ConnAckPacket.TryDecode(header with { RemainingLength = length }, body.AsSpan(0, length), m.Version, out _, out var violation));
                Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
            }
        }, iter: 1_000);
    }

    private static ConnAckPacket Decode(byte[] frame, ProtocolVersion version)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(ConnAckPacket.TryDecode(header, body, version, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static string Encode(in ConnAckPacket packet, ProtocolVersion version)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = ConnAckPacket.Write(writer, packet, version);
        Assert.Equal(written, writer.WrittenCount);
        Assert.Equal(ConnAckPacket.GetSize(packet, version), written);
        return Hex.Format(writer.WrittenSpan);
    }
}
