using System.Buffers;
using CsCheck;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class AuthPacketTests
{
    // 5.0 AUTH continuing a SCRAM exchange (5.0 §3.15, §4.12).
    private const string AuthContinue =
        "F0 19" +                        // AUTH, remaining length 25
        " 18" +                          // reason code Continue authentication
        " 17" +                          // property length 23
        " 15 00 0D 'SCRAM-SHA-256'" +    //   Authentication Method
        " 16 00 04 DE AD BE EF";         //   Authentication Data

    [Fact]
    public void An_empty_auth_is_success_without_properties_section_3_15_2_1()
    {
        var packet = Decode(Hex.Bytes("F0 00"));

        Assert.Equal(ReasonCode.Success, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
        Assert.True(packet.AuthenticationMethod.IsEmpty);
        Assert.Equal("F000", Encode(default));
    }

    [Fact]
    public void An_auth_continuing_an_exchange_decodes_every_field()
    {
        var packet = Decode(Hex.Bytes(AuthContinue));

        Assert.Equal(ReasonCode.ContinueAuthentication, packet.ReasonCode);
        Assert.Equal("SCRAM-SHA-256"u8, packet.AuthenticationMethod);
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, packet.AuthenticationData.ToArray());
    }

    [Fact]
    public void An_auth_continuing_an_exchange_is_written_byte_for_byte()
    {
        var properties = new PropertyBuilder()
            .AddString(PropertyId.AuthenticationMethod, "SCRAM-SHA-256")
            .AddBytes(PropertyId.AuthenticationData, [0xDE, 0xAD, 0xBE, 0xEF]);

        Assert.Equal(Hex.Format(Hex.Bytes(AuthContinue)), Encode(new AuthPacket { ReasonCode = ReasonCode.ContinueAuthentication, Properties = new MqttProperties(properties.Span) }));
    }

    [Fact]
    public void An_auth_with_a_reason_code_but_no_properties_keeps_its_property_length()
    {
        Assert.Equal("F0021900", Encode(new AuthPacket { ReasonCode = ReasonCode.ReAuthenticate }));

        var packet = Decode(Hex.Bytes("F0 02 19 00"));
        Assert.Equal(ReasonCode.ReAuthenticate, packet.ReasonCode);
        Assert.True(packet.Properties.IsEmpty);
    }

    [Fact]
    public void An_explicit_success_with_a_reason_string_is_written_in_the_long_form()
    {
        var properties = new PropertyBuilder().AddString(PropertyId.ReasonString, "ok");

        Assert.Equal("F00700051F00026F6B", Encode(new AuthPacket { Properties = new MqttProperties(properties.Span) }));
    }

    [Fact]
    public void Writing_an_auth_with_a_reason_code_of_another_packet_is_a_caller_bug_MQTT_3_15_2_1()
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => AuthPacket.Write(writer, new AuthPacket { ReasonCode = ReasonCode.NotAuthorized }));
        Assert.Equal(0, writer.WrittenCount);
    }

    private static readonly Gen<(ReasonCode Reason, byte[] Properties)> Model = Gen.Select(
        Gen.OneOfConst(ReasonCode.Success, ReasonCode.ContinueAuthentication, ReasonCode.ReAuthenticate),
        Gen.Frequency((1, Gen.Const(Array.Empty<byte>())), (3, ConnectFamilyGenerators.Properties(PropertyContext.Auth))));

    [Fact]
    public void Every_auth_reads_back_the_same_fields()
    {
        Model.Sample(m =>
        {
            var written = new AuthPacket { ReasonCode = m.Reason, Properties = new MqttProperties(m.Properties) };
            var frame = Hex.Bytes(Encode(written));
            var body = Hex.SplitFrame(frame, out var header);

            Assert.True(AuthPacket.TryDecode(header, body, ProtocolVersion.V500, out var packet, out var violation), violation.ToString());
            Assert.Equal(m.Reason, packet.ReasonCode);
            Assert.Equal(m.Properties, packet.Properties.Raw.ToArray());

            var exact = new byte[frame.Length];
            Assert.True(AuthPacket.TryWrite(exact, written, out int count));
            Assert.Equal(frame, exact[..count]);
            Assert.False(AuthPacket.TryWrite(new byte[frame.Length - 1], written, out _));

            // Length 0 is the Success short form; every other cut is malformed.
            for (int length = 1; length < body.Length; length++)
            {
                Assert.False(AuthPacket.TryDecode(header with { RemainingLength = length }, body.AsSpan(0, length), ProtocolVersion.V500, out _, out violation));
                Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
            }
        }, iter: 1_000);
    }

    private static AuthPacket Decode(byte[] frame)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(AuthPacket.TryDecode(header, body, ProtocolVersion.V500, out var packet, out var violation), violation.ToString());
        return packet;
    }

    private static string Encode(in AuthPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = AuthPacket.Write(writer, packet);
        Assert.Equal(written, writer.WrittenCount);
        Assert.Equal(AuthPacket.GetSize(packet), written);
        return Hex.Format(writer.WrittenSpan);
    }
}
