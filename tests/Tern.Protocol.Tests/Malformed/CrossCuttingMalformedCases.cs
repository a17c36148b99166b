using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Malformed;

/// <summary>
/// RELIABILITY.md group A rows that cut across every packet type, each run through <see cref="PacketDecoder.ValidateFrame"/>
/// with the exact reason code and statement: A1 (remaining length in 5 bytes), A6 (wrong reserved flag nibble), A7
/// (packet type 0, and type 15 before 5.0) and A5 (bytes after the last field).
/// </summary>
/// <remarks>
/// CONNECT carries its own version, and its fixed header is judged before the level is read, by 3.1.1's rule (the same
/// for CONNECT in every version): its rows report 3.1.1 numbering whatever the version column says.
/// </remarks>
public class CrossCuttingMalformedCases
{
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;
    private const ProtocolVersion V310 = ProtocolVersion.V310;
    private const ProtocolVersion V311 = ProtocolVersion.V311;
    private const ProtocolVersion V500 = ProtocolVersion.V500;

    // The scanner's statement for a remaining length that needs a fifth byte (5.0 §1.5.5, 3.1.1 §2.2.3: at most 4 bytes).
    private const string FiveBytes = "5.0 §1.5.5, 3.1.1 §2.2.3";
    private const string Flags311 = "3.1.1 MQTT-2.2.2-2";
    private const string Flags500 = "5.0 MQTT-2.1.3-1";

    public static TheoryData<string, ProtocolVersion, string, ReasonCode, string> Cases => new()
    {
        // A1: remaining length 80 80 80 80 01 on every packet type, refused by the scanner before any body byte is read.
        { "A1 CONNECT remaining length in 5 bytes", V311, "10 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 CONNACK remaining length in 5 bytes", V311, "20 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBLISH remaining length in 5 bytes", V311, "30 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBACK remaining length in 5 bytes", V311, "40 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBREC remaining length in 5 bytes", V311, "50 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBREL remaining length in 5 bytes", V311, "62 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBCOMP remaining length in 5 bytes", V311, "70 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 SUBSCRIBE remaining length in 5 bytes", V311, "82 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 SUBACK remaining length in 5 bytes", V311, "90 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 UNSUBSCRIBE remaining length in 5 bytes", V311, "A2 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 UNSUBACK remaining length in 5 bytes", V311, "B0 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PINGREQ remaining length in 5 bytes", V311, "C0 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PINGRESP remaining length in 5 bytes", V311, "D0 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 DISCONNECT remaining length in 5 bytes", V311, "E0 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 AUTH remaining length in 5 bytes", V500, "F0 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBLISH remaining length in 5 bytes on 5.0", V500, "30 80 80 80 80 01", Malformed, FiveBytes },
        { "A1 PUBLISH remaining length FF FF FF FF 7F", V500, "30 FF FF FF FF 7F", Malformed, FiveBytes },
        { "A1 four continuation bytes are refused without waiting for a fifth", V311, "30 80 80 80 80", Malformed, FiveBytes },
        { "A1 PUBLISH remaining length 80 00 is not minimal MQTT-1.5.5-1", V500, "30 80 00", Malformed, "5.0 MQTT-1.5.5-1" },
        { "A1 PINGREQ remaining length 80 80 00 is not minimal MQTT-1.5.5-1", V311, "C0 80 80 00", Malformed, "5.0 MQTT-1.5.5-1" },

        // A6: reserved flag nibbles. CONNECT (always 3.1.1 numbering, see remarks).
        { "A6 CONNECT flags 0001 3.1.1 MQTT-2.2.2-2", V311, "11 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT flags 0010 3.1.1 MQTT-2.2.2-2", V311, "12 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT flags 0100 3.1.1 MQTT-2.2.2-2", V311, "14 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT flags 1000 3.1.1 MQTT-2.2.2-2", V311, "18 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT flags 1111 3.1.1 MQTT-2.2.2-2", V311, "1F 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT level 5 with flags 0010 is judged before the level 3.1.1 MQTT-2.2.2-2", V500, "12 0E 00 04 'MQTT' 05 02 00 3C 00 00 01 'c'", Malformed, Flags311 },
        { "A6 CONNECT MQIsdp with flags 0001 3.1.1 MQTT-2.2.2-2", V310, "11 0F 00 06 'MQIsdp' 03 02 00 3C 00 01 'c'", Malformed, Flags311 },

        // A6: SUBSCRIBE must be 0010.
        { "A6 SUBSCRIBE flags 0000 3.1.1 MQTT-2.2.2-2", V311, "80 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },
        { "A6 SUBSCRIBE flags 0011 3.1.1 MQTT-2.2.2-2", V311, "83 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },
        { "A6 SUBSCRIBE flags 0100 3.1.1 MQTT-2.2.2-2", V311, "84 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },
        { "A6 SUBSCRIBE flags 0110 3.1.1 MQTT-2.2.2-2", V311, "86 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },
        { "A6 SUBSCRIBE flags 1010 3.1.1 MQTT-2.2.2-2", V311, "8A 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },
        { "A6 SUBSCRIBE flags 0000 5.0 MQTT-2.1.3-1", V500, "80 09 00 01 00 00 03 'a/b' 01", Malformed, Flags500 },
        { "A6 SUBSCRIBE flags 1010 5.0 MQTT-2.1.3-1", V500, "8A 09 00 01 00 00 03 'a/b' 01", Malformed, Flags500 },
        { "A6 SUBSCRIBE flags 0000 on 3.1 3.1.1 MQTT-2.2.2-2", V310, "80 08 00 01 00 03 'a/b' 01", Malformed, Flags311 },

        // A6: UNSUBSCRIBE and PUBREL must be 0010.
        { "A6 UNSUBSCRIBE flags 0000 3.1.1 MQTT-2.2.2-2", V311, "A0 07 00 01 00 03 'a/b'", Malformed, Flags311 },
        { "A6 UNSUBSCRIBE flags 0011 3.1.1 MQTT-2.2.2-2", V311, "A3 07 00 01 00 03 'a/b'", Malformed, Flags311 },
        { "A6 UNSUBSCRIBE flags 1010 5.0 MQTT-2.1.3-1", V500, "AA 08 00 01 00 00 03 'a/b'", Malformed, Flags500 },
        { "A6 PUBREL flags 0000 3.1.1 MQTT-2.2.2-2", V311, "60 02 00 01", Malformed, Flags311 },
        { "A6 PUBREL flags 0011 3.1.1 MQTT-2.2.2-2", V311, "63 02 00 01", Malformed, Flags311 },
        { "A6 PUBREL flags 0000 5.0 MQTT-2.1.3-1", V500, "60 02 00 01", Malformed, Flags500 },

        // A6: every other fixed nibble is 0000.
        { "A6 CONNACK flags 0001 3.1.1 MQTT-2.2.2-2", V311, "21 02 00 00", Malformed, Flags311 },
        { "A6 CONNACK flags 1000 5.0 MQTT-2.1.3-1", V500, "28 03 00 00 00", Malformed, Flags500 },
        { "A6 PUBACK flags 0001 3.1.1 MQTT-2.2.2-2", V311, "41 02 00 01", Malformed, Flags311 },
        { "A6 PUBACK flags 0010 5.0 MQTT-2.1.3-1", V500, "42 02 00 01", Malformed, Flags500 },
        { "A6 PUBREC flags 0010 3.1.1 MQTT-2.2.2-2", V311, "52 02 00 01", Malformed, Flags311 },
        { "A6 PUBCOMP flags 0010 5.0 MQTT-2.1.3-1", V500, "72 02 00 01", Malformed, Flags500 },
        { "A6 SUBACK flags 0010 3.1.1 MQTT-2.2.2-2", V311, "92 03 00 01 00", Malformed, Flags311 },
        { "A6 UNSUBACK flags 0010 3.1.1 MQTT-2.2.2-2", V311, "B2 02 00 01", Malformed, Flags311 },
        { "A6 PINGREQ flags 0001 3.1.1 MQTT-2.2.2-2", V311, "C1 00", Malformed, Flags311 },
        { "A6 PINGREQ flags 1000 5.0 MQTT-2.1.3-1", V500, "C8 00", Malformed, Flags500 },
        { "A6 PINGREQ flags 0001 on 3.1 3.1.1 MQTT-2.2.2-2", V310, "C1 00", Malformed, Flags311 },
        { "A6 PINGRESP flags 0001 3.1.1 MQTT-2.2.2-2", V311, "D1 00", Malformed, Flags311 },
        { "A6 DISCONNECT flags 0001 3.1.1 MQTT-2.2.2-2", V311, "E1 00", Malformed, Flags311 },
        { "A6 DISCONNECT flags 0010 5.0 MQTT-2.1.3-1", V500, "E2 00", Malformed, Flags500 },
        { "A6 AUTH flags 0001 5.0 MQTT-2.1.3-1", V500, "F1 00", Malformed, Flags500 },

        // A7: packet type 0 is forbidden in every version; type 15 is reserved before 5.0.
        { "A7 packet type 0 on 3.1.1 section 2.2.1", V311, "00 00", Malformed, "3.1.1 §2.2.1" },
        { "A7 packet type 0 with a body on 3.1 section 2.2.1", V310, "00 02 00 01", Malformed, "3.1.1 §2.2.1" },
        { "A7 packet type 0 on 5.0 section 2.1.2", V500, "00 00", Malformed, "5.0 §2.1.2" },
        { "A7 packet type 0 with flags 1111 on 5.0 section 2.1.2", V500, "0F 00", Malformed, "5.0 §2.1.2" },
        { "A7 packet type 15 on 3.1.1 section 2.2.1", V311, "F0 00", Malformed, "3.1.1 §2.2.1" },
        { "A7 packet type 15 with a 5.0 AUTH body on 3.1.1 section 2.2.1", V311, "F0 02 18 00", Malformed, "3.1.1 §2.2.1" },
        { "A7 packet type 15 on 3.1 section 2.2.1", V310, "F0 00", Malformed, "3.1.1 §2.2.1" },

        // A5: bytes after the last field.
        { "A5 CONNECT 3.1.1 plus one byte MQTT-3.1.4-1", V311, "10 0E 00 04 'MQTT' 04 02 00 3C 00 01 'c' 00", Malformed, "3.1.1 MQTT-3.1.4-1" },
        { "A5 CONNECT 3.1 plus one byte MQTT-3.1.4-1", V310, "10 10 00 06 'MQIsdp' 03 02 00 3C 00 01 'c' FF", Malformed, "3.1.1 MQTT-3.1.4-1" },
        { "A5 CONNECT 5.0 plus one byte MQTT-3.1.4-1", V500, "10 0F 00 04 'MQTT' 05 02 00 3C 00 00 01 'c' 00", Malformed, "5.0 MQTT-3.1.4-1" },
        { "A5 CONNECT 3.1.1 with user name and password plus two bytes MQTT-3.1.4-1", V311, "10 16 00 04 'MQTT' 04 C2 00 3C 00 01 'c' 00 01 'u' 00 02 'pw' 00 00", Malformed, "3.1.1 MQTT-3.1.4-1" },
        { "A5 PINGREQ with remaining length 1 3.1.1 section 3.12.1", V311, "C0 01 00", Malformed, "3.1.1 §3.12.1" },
        { "A5 PINGREQ with remaining length 1 5.0 section 3.12.1", V500, "C0 01 00", Malformed, "5.0 §3.12.1" },
        { "A5 PINGRESP with remaining length 1 3.1.1 section 3.13.1", V311, "D0 01 00", Malformed, "3.1.1 §3.13.1" },
        { "A5 DISCONNECT with remaining length 1 3.1.1 section 3.14.2", V311, "E0 01 00", Malformed, "3.1.1 §3.14.2" },
        { "A5 DISCONNECT with remaining length 1 on 3.1 section 3.14.2", V310, "E0 01 00", Malformed, "3.1.1 §3.14.2" },
        { "A5 DISCONNECT 5.0 with bytes after the properties section 3.14.3", V500, "E0 03 00 00 00", Malformed, "5.0 §3.14.3" },
        { "A5 PUBACK with 3 extra bytes 3.1.1 section 3.4.1", V311, "40 05 00 01 00 00 00", Malformed, "3.1.1 §3.4.1" },
        { "A5 PUBREC with 1 extra byte 3.1.1 section 3.5.1", V311, "50 03 00 01 00", Malformed, "3.1.1 §3.5.1" },
        { "A5 PUBREL with 1 extra byte 3.1.1 section 3.6.1", V311, "62 03 00 01 00", Malformed, "3.1.1 §3.6.1" },
        { "A5 PUBCOMP with 1 extra byte 3.1.1 section 3.7.1", V311, "70 03 00 01 00", Malformed, "3.1.1 §3.7.1" },
        { "A5 PUBACK 5.0 with 3 bytes after the properties section 3.4.2", V500, "40 07 00 01 00 00 00 00 00", Malformed, "5.0 §3.4.2" },
        { "A5 CONNACK 3.1.1 with 1 extra byte section 3.2.3", V311, "20 03 00 00 00", Malformed, "3.1.1 §3.2.3" },
        { "A5 CONNACK 5.0 with 1 byte after the properties section 3.2.3", V500, "20 04 00 00 00 00", Malformed, "5.0 §3.2.3" },
        { "A5 UNSUBACK 3.1.1 with 1 extra byte section 3.11.1", V311, "B0 03 00 01 00", Malformed, "3.1.1 §3.11.1" },
        { "A5 AUTH with 1 byte after the properties section 3.15.3", V500, "F0 03 00 00 00", Malformed, "5.0 §3.15.3" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Cross_cutting_malformed_frame_is_refused_with_the_exact_reason_and_statement(string name, ProtocolVersion version, string frame, ReasonCode expected, string statement)
    {
        byte[] bytes = Hex.Bytes(frame);
        var status = PacketDecoder.ValidateFrame(bytes, version, int.MaxValue, out _, out var violation);

        Assert.True(status == FrameStatus.Invalid, $"{name}: {status}");
        Assert.Equal(expected, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);

        // The scanner's verdict does not depend on how the bytes arrive.
        var spanStatus = FrameScanner.TryScan(bytes, int.MaxValue, out var spanHeader, out var spanViolation);
        for (int at = 1; at < bytes.Length; at++)
        {
            var segmentedStatus = FrameScanner.TryScan(Segments.Split(bytes, at), int.MaxValue, out var header, out var segmentedViolation);
            Assert.Equal(spanStatus, segmentedStatus);
            Assert.Equal(spanHeader, header);
            Assert.Equal(spanViolation, segmentedViolation);
        }
    }

    [Fact]
    public void The_table_refuses_a_five_byte_remaining_length_on_all_15_packet_types_and_type_0_and_15_before_5_0()
    {
        var rows = Cases.Select(row => (Name: (string)row[0], Version: (ProtocolVersion)row[1], Frame: Hex.Bytes((string)row[2]))).ToList();
        var fiveByteTypes = rows.Where(r => r.Name.StartsWith("A1 ", StringComparison.Ordinal) && r.Frame.Length == 6 && r.Frame[1..].SequenceEqual((byte[])[0x80, 0x80, 0x80, 0x80, 0x01]))
            .Select(r => r.Frame[0] >> 4).ToHashSet();
        Assert.Equal(Enumerable.Range(1, 15).ToHashSet(), fiveByteTypes);
        Assert.Contains(rows, r => r.Frame[0] >> 4 == 0 && r.Version == V311);
        Assert.Contains(rows, r => r.Frame[0] >> 4 == 15 && r.Version == V311);
        Assert.True(rows.Count >= 40);
    }
}
