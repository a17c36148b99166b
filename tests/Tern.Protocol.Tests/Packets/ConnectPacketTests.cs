using System.Buffers;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Packets;

public class ConnectPacketTests
{
    // 3.1.1: the variable header is the one of the specification's non-normative example (3.1.1 §3.1.2.10, Figure 3.6):
    // "MQTT", level 4, flags 0xCE, keep alive 10. The payload follows 3.1.1 §3.1.3 in its order.
    private const string Connect311 =
        "10 30" +                // CONNECT, remaining length 48
        " 00 04 'MQTT'" +        // protocol name
        " 04" +                  // protocol level 4
        " CE" +                  // flags 1100 1110: user name, password, will retain 0, will QoS 01, will, clean session, reserved 0
        " 00 0A" +               // keep alive 10
        " 00 06 'tern-1'" +      // client identifier
        " 00 0A 'dev/status'" +  // will topic
        " 00 04 'gone'" +        // will message
        " 00 05 'alice'" +       // user name
        " 00 03 01 02 03";       // password

    // 5.0: every part of §3.1 at once, with a non-ASCII client identifier (Zoë = 5A 6F C3 AB).
    private const string Connect500 =
        "10 49" +                                  // CONNECT, remaining length 73
        " 00 04 'MQTT' 05" +                       // protocol name, level 5
        " F6" +                                    // flags 1111 0110: user name, password, will retain, will QoS 10, will, clean start
        " 00 3C" +                                 // keep alive 60
        " 0F" +                                    // property length 15
        " 11 00 00 0E 10" +                        //   Session Expiry Interval 3600
        " 21 00 14" +                              //   Receive Maximum 20
        " 26 00 01 'k' 00 01 'v'" +                //   User Property k = v
        " 00 04 'Zoë'" +                           // client identifier
        " 14" +                                    // will property length 20
        " 18 00 00 00 05" +                        //   Will Delay Interval 5
        " 01 01" +                                 //   Payload Format Indicator 1 (UTF-8)
        " 03 00 0A 'text/plain'" +                 //   Content Type
        " 00 03 'a/b'" +                           // will topic
        " 00 03 'bye'" +                           // will payload
        " 00 04 'user'" +                          // user name
        " 00 02 00 FF";                            // password

    // 3.1: protocol name MQIsdp, level 3, clean session, keep alive 60, client identifier only.
    private const string Connect310 = "10 14 00 06 'MQIsdp' 03 02 00 3C 00 06 'sensor'";

    [Fact]
    public void The_311_example_connect_of_the_specification_decodes_every_field()
    {
        var frame = Hex.Bytes(Connect311);
        var packet = Decode(frame);

        Assert.Equal("MQTT"u8, packet.ProtocolName);
        Assert.Equal(ProtocolVersion.V311, packet.ProtocolVersion);
        Assert.True(packet.CleanSession);
        Assert.Equal(10, packet.KeepAlive);
        Assert.True(packet.Properties.IsEmpty);
        Assert.Equal("tern-1"u8, packet.ClientIdentifier);
        Assert.True(packet.HasWill);
        Assert.Equal(QualityOfService.AtLeastOnce, packet.WillQoS);
        Assert.False(packet.WillRetain);
        Assert.True(packet.WillProperties.IsEmpty);
        Assert.Equal("dev/status"u8, packet.WillTopic);
        Assert.Equal("gone"u8, packet.WillPayload);
        Assert.True(packet.HasUserName);
        Assert.Equal("alice"u8, packet.UserName);
        Assert.True(packet.HasPassword);
        Assert.Equal(new byte[] { 1, 2, 3 }, packet.Password.ToArray());
    }

    [Fact]
    public void The_311_example_connect_is_written_byte_for_byte()
    {
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V311,
            CleanSession = true,
            KeepAlive = 10,
            ClientIdentifier = "tern-1"u8,
            HasWill = true,
            WillQoS = QualityOfService.AtLeastOnce,
            WillTopic = "dev/status"u8,
            WillPayload = "gone"u8,
            HasUserName = true,
            UserName = "alice"u8,
            HasPassword = true,
            Password = [1, 2, 3],
        };

        Assert.Equal(Hex.Format(Hex.Bytes(Connect311)), Hex.Format(Encode(packet)));
    }

    [Fact]
    public void A_500_connect_with_properties_will_properties_will_user_name_and_password_decodes_every_field()
    {
        var frame = Hex.Bytes(Connect500);
        var packet = Decode(frame);

        Assert.Equal("MQTT"u8, packet.ProtocolName);
        Assert.Equal(ProtocolVersion.V500, packet.ProtocolVersion);
        Assert.True(packet.CleanSession);
        Assert.Equal(60, packet.KeepAlive);
        Assert.Equal(3600u, packet.Properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval));
        Assert.Equal(20u, packet.Properties.GetIntegerOrNull(PropertyId.ReceiveMaximum));
        Assert.True(packet.Properties.TryGet(PropertyId.UserProperty, out var user));
        Assert.Equal("k"u8, user.Value);
        Assert.Equal("v"u8, user.PairValue);
        Assert.Equal(3, Count(packet.Properties));
        Assert.Equal("Zoë", System.Text.Encoding.UTF8.GetString(packet.ClientIdentifier));
        Assert.True(packet.HasWill);
        Assert.Equal(QualityOfService.ExactlyOnce, packet.WillQoS);
        Assert.True(packet.WillRetain);
        Assert.Equal(5u, packet.WillProperties.GetIntegerOrNull(PropertyId.WillDelayInterval));
        Assert.Equal(1u, packet.WillProperties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator));
        Assert.Equal("text/plain", packet.WillProperties.GetStringOrNull(PropertyId.ContentType));
        Assert.Equal(3, Count(packet.WillProperties));
        Assert.Equal("a/b"u8, packet.WillTopic);
        Assert.Equal("bye"u8, packet.WillPayload);
        Assert.True(packet.HasUserName);
        Assert.Equal("user"u8, packet.UserName);
        Assert.True(packet.HasPassword);
        Assert.Equal(new byte[] { 0x00, 0xFF }, packet.Password.ToArray());
    }

    [Fact]
    public void A_500_connect_with_properties_will_properties_will_user_name_and_password_is_written_byte_for_byte()
    {
        var properties = new PropertyBuilder()
            .AddUInt32(PropertyId.SessionExpiryInterval, 3600)
            .AddUInt16(PropertyId.ReceiveMaximum, 20)
            .AddUserProperty("k", "v");
        var willProperties = new PropertyBuilder()
            .AddUInt32(PropertyId.WillDelayInterval, 5)
            .AddByte(PropertyId.PayloadFormatIndicator, 1)
            .AddString(PropertyId.ContentType, "text/plain");
        var packet = new ConnectPacket
        {
            ProtocolVersion = ProtocolVersion.V500,
            CleanSession = true,
            KeepAlive = 60,
            Properties = new MqttProperties(properties.Span),
            ClientIdentifier = "Zoë"u8,
            HasWill = true,
            WillQoS = QualityOfService.ExactlyOnce,
            WillRetain = true,
            WillProperties = new MqttProperties(willProperties.Span),
            WillTopic = "a/b"u8,
            WillPayload = "bye"u8,
            HasUserName = true,
            UserName = "user"u8,
            HasPassword = true,
            Password = [0x00, 0xFF],
        };

        Assert.Equal(Hex.Format(Hex.Bytes(Connect500)), Hex.Format(Encode(packet)));
    }

    [Fact]
    public void A_31_connect_says_MQIsdp_level_3_and_decodes_every_field()
    {
        var packet = Decode(Hex.Bytes(Connect310));

        Assert.Equal("MQIsdp"u8, packet.ProtocolName);
        Assert.Equal(ProtocolVersion.V310, packet.ProtocolVersion);
        Assert.True(packet.CleanSession);
        Assert.Equal(60, packet.KeepAlive);
        Assert.Equal("sensor"u8, packet.ClientIdentifier);
        Assert.False(packet.HasWill);
        Assert.False(packet.HasUserName);
        Assert.False(packet.HasPassword);
    }

    [Fact]
    public void A_31_connect_written_without_a_protocol_name_is_named_MQIsdp()
    {
        var packet = new ConnectPacket { ProtocolVersion = ProtocolVersion.V310, CleanSession = true, KeepAlive = 60, ClientIdentifier = "sensor"u8 };

        Assert.Equal(Hex.Format(Hex.Bytes(Connect310)), Hex.Format(Encode(packet)));
    }

    [Fact]
    public void A_zero_length_client_identifier_with_clean_session_is_accepted_in_311_MQTT_3_1_3_6()
    {
        var packet = Decode(Hex.Bytes("10 0C 00 04 'MQTT' 04 02 00 00 00 00"));

        Assert.True(packet.ClientIdentifier.IsEmpty);
        Assert.True(packet.CleanSession);
    }

    [Fact]
    public void A_zero_length_client_identifier_without_clean_start_is_accepted_in_500_MQTT_3_1_3_6()
    {
        var packet = Decode(Hex.Bytes("10 0D 00 04 'MQTT' 05 00 00 00 00 00 00"));

        Assert.True(packet.ClientIdentifier.IsEmpty);
        Assert.False(packet.CleanSession);
    }

    [Fact]
    public void A_password_without_a_user_name_is_accepted_in_500_section_3_1_2_9()
    {
        // flags 0100 0000: password only, which 3.1.1 forbids ([MQTT-3.1.2-22]) and 5.0 allows.
        var packet = Decode(Hex.Bytes("10 11 00 04 'MQTT' 05 40 00 00 00 00 00 00 02 'pw'"));

        Assert.False(packet.HasUserName);
        Assert.True(packet.HasPassword);
        Assert.Equal("pw"u8, packet.Password);
    }

    [Fact]
    public void A_user_name_flag_with_an_empty_user_name_is_a_present_empty_user_name()
    {
        var packet = Decode(Hex.Bytes("10 0E 00 04 'MQTT' 04 82 00 00 00 00 00 00"));

        Assert.True(packet.HasUserName);
        Assert.True(packet.UserName.IsEmpty);
    }

    [Fact]
    public void A_byte_order_mark_in_the_client_identifier_is_kept_MQTT_1_5_3_3()
    {
        var packet = Decode(Hex.Bytes("10 10 00 04 'MQTT' 04 02 00 00 00 04 EF BB BF 'a'"));

        Assert.Equal(Hex.Bytes("EF BB BF 'a'"), packet.ClientIdentifier.ToArray());
    }

    [Fact]
    public void An_unsupported_level_still_reports_the_name_and_level_so_the_server_can_answer_MQTT_3_1_2_2()
    {
        var body = Hex.SplitFrame(Hex.Bytes("10 0D 00 04 'MQTT' 06 02 00 3C 00 01 'c'"), out var header);

        Assert.False(ConnectPacket.TryDecode(header, body, out var packet, out var violation));
        Assert.Equal(ReasonCode.UnsupportedProtocolVersion, violation.ReasonCode);
        Assert.Equal("MQTT"u8, packet.ProtocolName);
        Assert.Equal((ProtocolVersion)6, packet.ProtocolVersion);
        Assert.Equal(ConnectReturnCode.UnacceptableProtocolVersion, ReasonCodes.ToConnectReturnCode(violation.ReasonCode));
    }

    [Fact]
    public void A_refused_client_identifier_reports_the_version_so_the_server_answers_in_its_format_MQTT_3_1_3_8()
    {
        var body = Hex.SplitFrame(Hex.Bytes("10 0C 00 04 'MQTT' 04 00 00 3C 00 00"), out var header);

        Assert.False(ConnectPacket.TryDecode(header, body, out var packet, out var violation));
        Assert.Equal(ReasonCode.ClientIdentifierNotValid, violation.ReasonCode);
        Assert.Equal(ProtocolVersion.V311, packet.ProtocolVersion);
        Assert.Equal(ConnectReturnCode.IdentifierRejected, ReasonCodes.ToConnectReturnCode(violation.ReasonCode));
        Assert.True(packet.ClientIdentifier.IsEmpty);
        Assert.False(packet.HasWill);
    }

    [Fact]
    public void A_client_identifier_refusal_is_not_reported_when_the_rest_of_the_connect_is_malformed_MQTT_3_1_4_1()
    {
        // Zero-length client id with CleanSession 0 (0x85 on its own), then a trailing byte: the CONNECT is malformed,
        // and a malformed CONNECT is closed without CONNACK.
        var body = Hex.SplitFrame(Hex.Bytes("10 0D 00 04 'MQTT' 04 00 00 3C 00 00 FF"), out var header);

        Assert.False(ConnectPacket.TryDecode(header, body, out _, out var violation));
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
        Assert.Equal("3.1.1 MQTT-3.1.4-1", violation.Statement);
    }

    [Theory]
    [InlineData(Connect311)]
    [InlineData(Connect500)]
    [InlineData(Connect310)]
    public void Every_truncation_of_a_connect_is_malformed(string hex)
    {
        var body = Hex.SplitFrame(Hex.Bytes(hex), out var header);
        for (int length = 0; length < body.Length; length++)
        {
            var cut = header with { RemainingLength = length, HeaderLength = 1 + VariableByteInteger.GetSize(length) };

            Assert.False(ConnectPacket.TryDecode(cut, body.AsSpan(0, length), out _, out var violation), $"length {length}");
            Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
        }
    }

    [Theory]
    [InlineData(Connect311, "3.1.1 MQTT-3.1.4-1")]
    [InlineData(Connect500, "5.0 MQTT-3.1.4-1")]
    [InlineData(Connect310, "3.1.1 MQTT-3.1.4-1")]
    public void A_byte_after_the_last_field_of_a_connect_is_malformed(string hex, string statement)
    {
        var body = Hex.SplitFrame(Hex.Bytes(hex), out var header);
        byte[] longer = [.. body, 0x00];
        var extended = header with { RemainingLength = longer.Length };

        Assert.False(ConnectPacket.TryDecode(extended, longer, out _, out var violation));
        Assert.Equal(ReasonCode.MalformedPacket, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);
    }

    [Fact]
    public void Decoding_a_connect_allocates_nothing()
    {
        var body = Hex.SplitFrame(Hex.Bytes(Connect500), out var header);
        Assert.True(ConnectPacket.TryDecode(header, body, out _, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            ConnectPacket.TryDecode(header, body, out _, out _);
        }

        Assert.Equal(before, GC.GetAllocatedBytesForCurrentThread());
    }

    [Fact]
    public void TryWrite_writes_nothing_when_the_connect_does_not_fit()
    {
        var packet = new ConnectPacket { ProtocolVersion = ProtocolVersion.V311, CleanSession = true, KeepAlive = 60, ClientIdentifier = "c"u8 };
        int size = ConnectPacket.GetSize(packet);
        var destination = new byte[size - 1];
        Array.Fill(destination, (byte)0xAA);

        Assert.False(ConnectPacket.TryWrite(destination, packet, out int written));
        Assert.Equal(0, written);
        Assert.All(destination, b => Assert.Equal(0xAA, b));
    }

    public static TheoryData<string> CallerBugs => new()
    {
        "unknown version",
        "will QoS 3",
        "will QoS without will",
        "will retain without will",
        "will topic without will",
        "empty will topic",
        "user name without flag",
        "password without flag",
        "311 password without user name",
        "client identifier longer than 65535 bytes",
    };

    [Theory]
    [MemberData(nameof(CallerBugs))]
    public void Writing_a_connect_a_client_may_not_send_is_a_caller_bug(string bug)
    {
        var writer = new ArrayBufferWriter<byte>();

        Assert.Throws<ArgumentException>(() => ConnectPacket.Write(writer, Build(bug)));
        Assert.Equal(0, writer.WrittenCount);

        static ConnectPacket Build(string bug) => bug switch
        {
            "unknown version" => new() { ProtocolVersion = ProtocolVersion.Unknown, ClientIdentifier = "c"u8 },
            "will QoS 3" => new() { ProtocolVersion = ProtocolVersion.V500, HasWill = true, WillQoS = (QualityOfService)3, WillTopic = "t"u8 },
            "will QoS without will" => new() { ProtocolVersion = ProtocolVersion.V311, WillQoS = QualityOfService.AtLeastOnce },
            "will retain without will" => new() { ProtocolVersion = ProtocolVersion.V311, WillRetain = true },
            "will topic without will" => new() { ProtocolVersion = ProtocolVersion.V311, WillTopic = "t"u8 },
            "empty will topic" => new() { ProtocolVersion = ProtocolVersion.V311, HasWill = true },
            "user name without flag" => new() { ProtocolVersion = ProtocolVersion.V500, UserName = "u"u8 },
            "password without flag" => new() { ProtocolVersion = ProtocolVersion.V500, Password = "p"u8 },
            "311 password without user name" => new() { ProtocolVersion = ProtocolVersion.V311, HasPassword = true },
            _ => new() { ProtocolVersion = ProtocolVersion.V500, ClientIdentifier = new byte[65_536] },
        };
    }

    internal static ConnectPacket Decode(byte[] frame)
    {
        var body = Hex.SplitFrame(frame, out var header);
        Assert.True(ConnectPacket.TryDecode(header, body, out var packet, out var violation), violation.ToString());
        return packet;
    }

    internal static byte[] Encode(in ConnectPacket packet)
    {
        var writer = new ArrayBufferWriter<byte>();
        int written = ConnectPacket.Write(writer, packet);
        Assert.Equal(written, writer.WrittenCount);
        Assert.Equal(ConnectPacket.GetSize(packet), written);
        return writer.WrittenSpan.ToArray();
    }

    private static int Count(MqttProperties properties)
    {
        int n = 0;
        foreach (var _ in properties)
        {
            n++;
        }

        return n;
    }
}
