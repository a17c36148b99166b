namespace Tern.Protocol.Tests.Malformed;

/// <summary>
/// Bad SUBSCRIBE, SUBACK, UNSUBSCRIBE and UNSUBACK packets, each with the Reason Code a 5.0 receiver must send and the
/// statement the packet breaks. Every frame is whole (its remaining length matches its bytes): what is wrong is inside.
/// </summary>
public class SubscribeFamilyMalformedCases
{
    private const ProtocolVersion V310 = ProtocolVersion.V310;
    private const ProtocolVersion V311 = ProtocolVersion.V311;
    private const ProtocolVersion V500 = ProtocolVersion.V500;
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;
    private const ReasonCode ProtocolError = ReasonCode.ProtocolError;

    public static TheoryData<string, ProtocolVersion, string, ReasonCode, string> Cases => new()
    {
        // ---- SUBSCRIBE fixed header and packet identifier ----
        { "SUBSCRIBE flags 0000 (3.1.1 MQTT-2.2.2-2)", V311, "80 06 00 01 00 01 'a' 00", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "SUBSCRIBE flags 0011 (5.0 MQTT-2.1.3-1)", V500, "83 07 00 01 00 00 01 'a' 00", Malformed, "5.0 MQTT-2.1.3-1" },
        { "SUBSCRIBE packet identifier 0 (3.1.1 MQTT-2.3.1-1)", V311, "82 06 00 00 00 01 'a' 00", ProtocolError, "3.1.1 MQTT-2.3.1-1" },
        { "SUBSCRIBE packet identifier 0 (5.0 MQTT-2.2.1-3)", V500, "82 07 00 00 00 00 01 'a' 00", ProtocolError, "5.0 MQTT-2.2.1-3" },
        { "SUBSCRIBE ending inside the packet identifier (3.1.1 §3.8.2)", V311, "82 01 00", Malformed, "3.1.1 §3.8.2" },

        // ---- SUBSCRIBE payload ----
        { "SUBSCRIBE without any filter (3.1.1 MQTT-3.8.3-3)", V311, "82 02 00 01", ProtocolError, "3.1.1 MQTT-3.8.3-3" },
        { "SUBSCRIBE without any filter (5.0 MQTT-3.8.3-2)", V500, "82 03 00 01 00", ProtocolError, "5.0 MQTT-3.8.3-2" },
        { "requested QoS 3 (3.1.1 MQTT-3-8.3-4)", V311, "82 06 00 01 00 01 'a' 03", Malformed, "3.1.1 MQTT-3-8.3-4" },
        { "requested QoS 3 in 3.1 (3.1.1 MQTT-3-8.3-4)", V310, "82 06 00 01 00 01 'a' 03", Malformed, "3.1.1 MQTT-3-8.3-4" },
        { "No Local bit is reserved before 5.0 (3.1.1 MQTT-3-8.3-4)", V311, "82 06 00 01 00 01 'a' 04", Malformed, "3.1.1 MQTT-3-8.3-4" },
        { "upper bit set before 5.0 (3.1.1 MQTT-3-8.3-4)", V311, "82 06 00 01 00 01 'a' 80", Malformed, "3.1.1 MQTT-3-8.3-4" },
        { "Maximum QoS 3 (5.0 §3.8.3.1)", V500, "82 07 00 01 00 00 01 'a' 03", ProtocolError, "5.0 §3.8.3.1" },
        { "reserved bit 6 (5.0 MQTT-3.8.3-5)", V500, "82 07 00 01 00 00 01 'a' 40", Malformed, "5.0 MQTT-3.8.3-5" },
        { "reserved bit 7 (5.0 MQTT-3.8.3-5)", V500, "82 07 00 01 00 00 01 'a' 80", Malformed, "5.0 MQTT-3.8.3-5" },
        { "Retain Handling 3 (5.0 §3.8.3.1)", V500, "82 07 00 01 00 00 01 'a' 30", ProtocolError, "5.0 §3.8.3.1" },
        { "No Local on a shared subscription (5.0 MQTT-3.8.3-4)", V500, "82 10 00 01 00 00 0A '$share/g/a' 04", ProtocolError, "5.0 MQTT-3.8.3-4" },
        { "empty topic filter (3.1.1 MQTT-4.7.3-1)", V311, "82 05 00 01 00 00 00", Malformed, "3.1.1 MQTT-4.7.3-1" },
        { "empty second topic filter (5.0 MQTT-4.7.3-1)", V500, "82 0A 00 01 00 00 01 'a' 00 00 00 00", Malformed, "5.0 MQTT-4.7.3-1" },
        { "surrogate ED A0 80 in a filter (3.1.1 MQTT-1.5.3-1)", V311, "82 08 00 01 00 03 ED A0 80 00", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "overlong C0 80 in a filter (5.0 MQTT-1.5.4-1)", V500, "82 08 00 01 00 00 02 C0 80 00", Malformed, "5.0 MQTT-1.5.4-1" },
        { "U+0000 in a filter (5.0 MQTT-1.5.4-2)", V500, "82 08 00 01 00 00 02 'a' 00 00", Malformed, "5.0 MQTT-1.5.4-2" },
        { "filter length beyond the packet (3.1.1 §3.8.3)", V311, "82 05 00 01 00 05 'a'", Malformed, "3.1.1 §3.8.3" },
        { "filter without its options byte (3.1.1 §3.8.3)", V311, "82 05 00 01 00 01 'a'", Malformed, "3.1.1 §3.8.3" },
        { "filter without its options byte (5.0 §3.8.3.1)", V500, "82 06 00 01 00 00 01 'a'", Malformed, "5.0 §3.8.3.1" },
        { "two Subscription Identifiers (5.0 §2.2.2.2)", V500, "82 0B 00 01 04 0B 01 0B 02 00 01 'a' 00", ProtocolError, "5.0 §2.2.2.2" },
        { "Topic Alias is not a SUBSCRIBE property (5.0 §2.2.2.2)", V500, "82 0A 00 01 03 23 00 01 00 01 'a' 00", Malformed, "5.0 §2.2.2.2" },

        // ---- SUBACK ----
        { "SUBACK without any return code (3.1.1 MQTT-3.8.4-5)", V311, "90 02 00 01", ProtocolError, "3.1.1 MQTT-3.8.4-5" },
        { "SUBACK without any Reason Code (5.0 MQTT-3.8.4-6)", V500, "90 03 00 01 00", ProtocolError, "5.0 MQTT-3.8.4-6" },
        { "SUBACK failure 0x80 does not exist in 3.1 (3.1 §3.9)", V310, "90 03 00 01 80", ProtocolError, "3.1 §3.9" },
        { "SUBACK return code 3 (3.1.1 MQTT-3.9.3-2)", V311, "90 03 00 01 03", ProtocolError, "3.1.1 MQTT-3.9.3-2" },
        { "SUBACK return code 0x87 before 5.0 (3.1.1 MQTT-3.9.3-2)", V311, "90 04 00 01 00 87", ProtocolError, "3.1.1 MQTT-3.9.3-2" },
        { "SUBACK with UNSUBACK's 0x11 (5.0 MQTT-3.9.3-2)", V500, "90 05 00 01 00 00 11", ProtocolError, "5.0 MQTT-3.9.3-2" },
        { "SUBACK packet identifier 0 (3.1.1 MQTT-2.3.1-1)", V311, "90 03 00 00 00", ProtocolError, "3.1.1 MQTT-2.3.1-1" },
        { "SUBACK flags 0010 (5.0 MQTT-2.1.3-1)", V500, "92 04 00 01 00 00", Malformed, "5.0 MQTT-2.1.3-1" },

        // ---- UNSUBSCRIBE ----
        { "UNSUBSCRIBE without any filter (3.1.1 MQTT-3.10.3-2)", V311, "A2 02 00 01", ProtocolError, "3.1.1 MQTT-3.10.3-2" },
        { "UNSUBSCRIBE without any filter (5.0 MQTT-3.10.3-2)", V500, "A2 03 00 01 00", ProtocolError, "5.0 MQTT-3.10.3-2" },
        { "UNSUBSCRIBE flags 0000 (3.1.1 MQTT-2.2.2-2)", V311, "A0 05 00 01 00 01 'a'", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "UNSUBSCRIBE packet identifier 0 (3.1.1 MQTT-2.3.1-1)", V311, "A2 05 00 00 00 01 'a'", ProtocolError, "3.1.1 MQTT-2.3.1-1" },
        { "UNSUBSCRIBE empty filter (5.0 MQTT-4.7.3-1)", V500, "A2 05 00 01 00 00 00", Malformed, "5.0 MQTT-4.7.3-1" },
        { "UNSUBSCRIBE overlong C0 80 in a filter (3.1.1 MQTT-1.5.3-1)", V311, "A2 06 00 01 00 02 C0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "UNSUBSCRIBE filter length beyond the packet (5.0 §3.10.3)", V500, "A2 06 00 01 00 00 05 'a'", Malformed, "5.0 §3.10.3" },
        { "Subscription Identifier is not an UNSUBSCRIBE property (5.0 §2.2.2.2)", V500, "A2 08 00 01 02 0B 01 00 01 'a'", Malformed, "5.0 §2.2.2.2" },

        // ---- UNSUBACK ----
        { "UNSUBACK with remaining length 3 (3.1.1 §3.11.1)", V311, "B0 03 00 01 00", Malformed, "3.1.1 §3.11.1" },
        { "UNSUBACK without any Reason Code (5.0 §3.11.3)", V500, "B0 03 00 01 00", ProtocolError, "5.0 §3.11.3" },
        { "UNSUBACK with SUBACK's Granted QoS 1 (5.0 MQTT-3.11.3-2)", V500, "B0 04 00 01 00 01", ProtocolError, "5.0 MQTT-3.11.3-2" },
        { "UNSUBACK packet identifier 0 (5.0 MQTT-2.2.1-3)", V500, "B0 04 00 00 00 00", ProtocolError, "5.0 MQTT-2.2.1-3" },
        { "UNSUBACK ending inside the packet identifier (5.0 §3.11.2)", V500, "B0 01 00", Malformed, "5.0 §3.11.2" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_packet_is_refused_with_the_reason_code_and_statement_it_breaks(string name, ProtocolVersion version, string hex, ReasonCode reasonCode, string statement)
    {
        var violation = MalformedCaseRunner.Refuse(hex, version, name);
        Assert.Equal(reasonCode, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);
        Assert.False(string.IsNullOrEmpty(violation.Description));
    }

    [Fact]
    public void Arbitrary_bodies_never_throw_and_every_refusal_names_a_statement_of_its_version()
    {
        MalformedCaseRunner.Fuzz([0x82, 0x90, 0xA2, 0xB0]);
    }
}
