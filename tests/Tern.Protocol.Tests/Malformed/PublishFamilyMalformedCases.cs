using CsCheck;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Malformed;

/// <summary>
/// Bad PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP, PINGREQ and PINGRESP packets, each with the Reason Code a 5.0 receiver
/// must send and the statement the packet breaks. Every frame is whole (its remaining length matches its bytes): what
/// is wrong is inside.
/// </summary>
public class PublishFamilyMalformedCases
{
    private const ProtocolVersion V311 = ProtocolVersion.V311;
    private const ProtocolVersion V500 = ProtocolVersion.V500;
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;
    private const ReasonCode ProtocolError = ReasonCode.ProtocolError;

    public static TheoryData<string, ProtocolVersion, string, ReasonCode, string> Cases => new()
    {
        // ---- PUBLISH fixed header ----
        { "QoS 3 (3.1.1 MQTT-3.3.1-4)", V311, "36 05 00 01 'a' 00 01", Malformed, "3.1.1 MQTT-3.3.1-4" },
        { "QoS 3 (5.0 MQTT-3.3.1-4)", V500, "36 06 00 01 'a' 00 01 00", Malformed, "5.0 MQTT-3.3.1-4" },
        { "DUP on QoS 0 (3.1.1 MQTT-3.3.1-2)", V311, "38 03 00 01 'a'", Malformed, "3.1.1 MQTT-3.3.1-2" },
        { "DUP on QoS 0 (5.0 MQTT-3.3.1-2)", V500, "38 04 00 01 'a' 00", Malformed, "5.0 MQTT-3.3.1-2" },

        // ---- PUBLISH topic ----
        { "+ in the topic name (3.1.1 MQTT-3.3.2-2)", V311, "30 05 00 03 'a/+'", ReasonCode.TopicNameInvalid, "3.1.1 MQTT-3.3.2-2" },
        { "# in the topic name (5.0 MQTT-3.3.2-2)", V500, "30 06 00 03 'a/#' 00", ReasonCode.TopicNameInvalid, "5.0 MQTT-3.3.2-2" },
        { "empty topic (3.1.1 MQTT-4.7.3-1)", V311, "30 02 00 00", ProtocolError, "3.1.1 MQTT-4.7.3-1" },
        { "empty topic without a Topic Alias (5.0 MQTT-4.7.3-1)", V500, "30 03 00 00 00", ProtocolError, "5.0 MQTT-4.7.3-1" },
        { "topic length beyond the packet (3.1.1 §3.3.2.1)", V311, "30 03 00 05 'a'", Malformed, "3.1.1 §3.3.2.1" },
        { "topic length beyond the packet (5.0 §3.3.2.1)", V500, "30 04 00 05 'ab'", Malformed, "5.0 §3.3.2.1" },
        { "packet ends inside the topic length (3.1.1 §3.3.2.1)", V311, "30 01 00", Malformed, "3.1.1 §3.3.2.1" },
        { "surrogate ED A0 80 in the topic (3.1.1 MQTT-1.5.3-1)", V311, "30 05 00 03 ED A0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "surrogate ED A0 80 in the topic (5.0 MQTT-1.5.4-1)", V500, "30 06 00 03 ED A0 80 00", Malformed, "5.0 MQTT-1.5.4-1" },
        { "overlong C0 80 in the topic (3.1.1 MQTT-1.5.3-1)", V311, "30 04 00 02 C0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "overlong C0 80 in the topic (5.0 MQTT-1.5.4-1)", V500, "30 05 00 02 C0 80 00", Malformed, "5.0 MQTT-1.5.4-1" },
        { "U+0000 in the topic (3.1.1 MQTT-1.5.3-2)", V311, "30 05 00 03 'a' 00 'b'", Malformed, "3.1.1 MQTT-1.5.3-2" },
        { "U+0000 in the topic (5.0 MQTT-1.5.4-2)", V500, "30 06 00 03 'a' 00 'b' 00", Malformed, "5.0 MQTT-1.5.4-2" },

        // ---- PUBLISH packet identifier ----
        { "QoS 1 with packet identifier 0 (3.1.1 MQTT-2.3.1-1)", V311, "32 05 00 01 'a' 00 00", ProtocolError, "3.1.1 MQTT-2.3.1-1" },
        { "QoS 2 with packet identifier 0 (5.0 MQTT-2.2.1-3)", V500, "34 06 00 01 'a' 00 00 00", ProtocolError, "5.0 MQTT-2.2.1-3" },
        { "QoS 1 ending inside the packet identifier (3.1.1 §3.3.2.2)", V311, "32 04 00 01 'a' 00", Malformed, "3.1.1 §3.3.2.2" },
        { "QoS 2 ending before the packet identifier (5.0 §3.3.2.2)", V500, "34 03 00 01 'a'", Malformed, "5.0 §3.3.2.2" },

        // ---- PUBLISH properties (5.0) ----
        { "Topic Alias 0 (5.0 MQTT-3.3.2-8)", V500, "30 07 00 01 'a' 03 23 00 00", ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.3.2-8" },
        { "Response Topic with a wildcard (5.0 MQTT-3.3.2-14)", V500, "30 09 00 01 'a' 05 08 00 02 'a#'", ProtocolError, "5.0 MQTT-3.3.2-14" },
        { "Session Expiry Interval is not a PUBLISH property (5.0 §2.2.2.2)", V500, "30 09 00 01 'a' 05 11 00 00 00 3C", Malformed, "5.0 §2.2.2.2" },
        { "Message Expiry Interval twice (5.0 §2.2.2.2)", V500, "30 0E 00 01 'a' 0A 02 00 00 00 0A 02 00 00 00 0B", ProtocolError, "5.0 §2.2.2.2" },
        { "Topic Alias twice (5.0 §2.2.2.2)", V500, "30 0A 00 01 'a' 06 23 00 01 23 00 02", ProtocolError, "5.0 §2.2.2.2" },
        { "Payload Format Indicator 2 (5.0 §3.3.2.3.2)", V500, "30 06 00 01 'a' 02 01 02", ProtocolError, "5.0 §3.3.2.3.2" },
        { "Subscription Identifier 0 (5.0 §3.3.2.3.8)", V500, "30 06 00 01 'a' 02 0B 00", ProtocolError, "5.0 §3.3.2.3.8" },
        { "property length beyond the packet (5.0 §2.2.2.1)", V500, "30 05 00 01 'a' 05 01", Malformed, "5.0 §2.2.2.1" },
        { "property length in 5 bytes (5.0 MQTT-1.5.5-1)", V500, "30 08 00 01 'a' 80 80 80 80 01", Malformed, "5.0 MQTT-1.5.5-1" },
        { "unknown property 0x00 (5.0 §2.2.2.2)", V500, "30 06 00 01 'a' 02 00 00", Malformed, "5.0 §2.2.2.2" },
        { "Content Type holding ED A0 80 (5.0 MQTT-1.5.4-1)", V500, "30 0A 00 01 'a' 06 03 00 03 ED A0 80", Malformed, "5.0 MQTT-1.5.4-1" },

        // ---- PUBACK, PUBREC, PUBREL, PUBCOMP ----
        { "PUBACK with remaining length 3 (3.1.1 §3.4.1)", V311, "40 03 00 01 00", Malformed, "3.1.1 §3.4.1" },
        { "PUBREC with 3 extra bytes (3.1.1 §3.5.1)", V311, "50 05 00 01 00 00 00", Malformed, "3.1.1 §3.5.1" },
        { "PUBREL with remaining length 4 (3.1.1 §3.6.1)", V311, "62 04 00 01 00 00", Malformed, "3.1.1 §3.6.1" },
        { "PUBCOMP with remaining length 3 (3.1.1 §3.7.1)", V311, "70 03 00 01 00", Malformed, "3.1.1 §3.7.1" },
        { "PUBACK with remaining length 1 (3.1.1 §3.4.2)", V311, "40 01 00", Malformed, "3.1.1 §3.4.2" },
        { "PUBACK with remaining length 0 (5.0 §3.4.2)", V500, "40 00", Malformed, "5.0 §3.4.2" },
        { "PUBACK with packet identifier 0 (3.1.1 MQTT-2.3.1-1)", V311, "40 02 00 00", ProtocolError, "3.1.1 MQTT-2.3.1-1" },
        { "PUBREL with packet identifier 0 (5.0 MQTT-2.2.1-3)", V500, "62 02 00 00", ProtocolError, "5.0 MQTT-2.2.1-3" },
        { "PUBACK with Reason Code 0x92 (5.0 MQTT-3.4.2-1)", V500, "40 03 00 01 92", ProtocolError, "5.0 MQTT-3.4.2-1" },
        { "PUBACK with undefined Reason Code 0xFF (5.0 MQTT-3.4.2-1)", V500, "40 03 00 01 FF", ProtocolError, "5.0 MQTT-3.4.2-1" },
        { "PUBREC with Reason Code 0x92 (5.0 MQTT-3.5.2-1)", V500, "50 03 00 01 92", ProtocolError, "5.0 MQTT-3.5.2-1" },
        { "PUBREL with Reason Code 0x10 (5.0 MQTT-3.6.2-1)", V500, "62 03 00 01 10", ProtocolError, "5.0 MQTT-3.6.2-1" },
        { "PUBCOMP with Reason Code 0x80 (5.0 MQTT-3.7.2-1)", V500, "70 03 00 01 80", ProtocolError, "5.0 MQTT-3.7.2-1" },
        { "PUBREL with flags 0000 (3.1.1 MQTT-2.2.2-2)", V311, "60 02 00 01", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "PUBREL with flags 0011 (5.0 MQTT-2.1.3-1)", V500, "63 02 00 01", Malformed, "5.0 MQTT-2.1.3-1" },
        { "PUBACK with flags 0001 (5.0 MQTT-2.1.3-1)", V500, "41 02 00 01", Malformed, "5.0 MQTT-2.1.3-1" },
        { "Topic Alias in a PUBACK (5.0 §2.2.2.2)", V500, "40 07 00 01 00 03 23 00 01", Malformed, "5.0 §2.2.2.2" },
        { "Reason String twice in a PUBREC (5.0 §2.2.2.2)", V500, "50 0C 00 01 10 08 1F 00 01 'x' 1F 00 01 'y'", ProtocolError, "5.0 §2.2.2.2" },
        { "PUBACK property length beyond the packet (5.0 §2.2.2.1)", V500, "40 04 00 01 00 05", Malformed, "5.0 §2.2.2.1" },
        { "PUBCOMP with a byte after its properties (5.0 §3.7.2)", V500, "70 05 00 01 00 00 FF", Malformed, "5.0 §3.7.2" },

        // ---- PINGREQ, PINGRESP ----
        { "PINGREQ with a body (3.1.1 §3.12.1)", V311, "C0 01 00", Malformed, "3.1.1 §3.12.1" },
        { "PINGREQ with a body (5.0 §3.12.1)", V500, "C0 01 00", Malformed, "5.0 §3.12.1" },
        { "PINGRESP with a body (5.0 §3.13.1)", V500, "D0 02 00 00", Malformed, "5.0 §3.13.1" },
        { "PINGREQ with flags 0001 (3.1.1 MQTT-2.2.2-2)", V311, "C1 00", Malformed, "3.1.1 MQTT-2.2.2-2" },
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
        byte[] firstBytes = [0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x3A, 0x3D, 0x40, 0x50, 0x62, 0x70, 0xC0, 0xD0];
        MalformedCaseRunner.Fuzz(firstBytes);
    }
}

/// <summary>Feeds a frame to the decoder its fixed header names, for the malformed-case tables.</summary>
internal static class MalformedCaseRunner
{
    private static readonly ProtocolVersion[] Versions = [ProtocolVersion.V310, ProtocolVersion.V311, ProtocolVersion.V500];

    /// <summary>Decodes a whole frame that must be refused, and returns why.</summary>
    public static ProtocolViolation Refuse(string hex, ProtocolVersion version, string name)
    {
        var body = Hex.SplitFrame(Hex.Bytes(hex), out var header);
        bool decoded = TryDecode(header, body, version, out var violation);
        Assert.False(decoded, $"{name}: the decoder accepted it");
        Assert.False(violation.IsNone, $"{name}: refused without a violation");
        return violation;
    }

    /// <summary>Random bodies behind each first byte, in each version: a decoder returns, it never throws.</summary>
    public static void Fuzz(byte[] firstBytes)
    {
        Gen.Select(Gen.OneOfConst(firstBytes), Gen.Byte.Array[0, 48], Gen.OneOfConst(Versions)).Sample((first, body, version) =>
        {
            var header = new FixedHeader(first, body.Length, 1 + VariableByteInteger.GetSize(body.Length));
            if (!TryDecode(header, body, version, out var violation))
            {
                Assert.True((byte)violation.ReasonCode >= 0x80, violation.ToString());
                Assert.StartsWith(version == ProtocolVersion.V500 ? "5.0 " : "3.1", violation.Statement, StringComparison.Ordinal);
            }
        }, iter: 20_000);
    }

    /// <summary>Decodes with the decoder for the header's type; for lists, enumerates them too, which must agree with Count.</summary>
    public static bool TryDecode(in FixedHeader header, ReadOnlySpan<byte> body, ProtocolVersion version, out ProtocolViolation violation)
    {
        switch (header.Type)
        {
            case PacketType.Publish:
                return PublishPacket.TryDecode(header, body, version, out _, out violation);
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubRel or PacketType.PubComp:
                return PubAckPacket.TryDecode(header, body, version, out _, out violation);
            case PacketType.PingReq or PacketType.PingResp:
                return PingPacket.TryDecode(header, body, version, out violation);
            case PacketType.Subscribe:
                if (!SubscribePacket.TryDecode(header, body, version, out var subscribe, out violation))
                {
                    return false;
                }

                int entries = 0;
                foreach (var entry in subscribe.Subscriptions)
                {
                    Assert.False(entry.TopicFilter.IsEmpty);
                    Assert.True(entry.Options.IsValid);
                    entries++;
                }

                Assert.True(entries >= 1 && entries == subscribe.Subscriptions.Count);
                return true;
            case PacketType.SubAck:
                return SubAckPacket.TryDecode(header, body, version, out _, out violation);
            case PacketType.Unsubscribe:
                if (!UnsubscribePacket.TryDecode(header, body, version, out var unsubscribe, out violation))
                {
                    return false;
                }

                int filters = 0;
                foreach (var filter in unsubscribe.TopicFilters)
                {
                    Assert.False(filter.IsEmpty);
                    filters++;
                }

                Assert.True(filters >= 1 && filters == unsubscribe.TopicFilters.Count);
                return true;
            case PacketType.UnsubAck:
                return UnsubAckPacket.TryDecode(header, body, version, out _, out violation);
            default:
                throw new InvalidOperationException($"no decoder for {header.Type} in these tables");
        }
    }
}
