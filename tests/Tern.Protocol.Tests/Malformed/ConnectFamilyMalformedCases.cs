using Tern.Protocol.Packets;
using Tern.Protocol.Tests.Support;

namespace Tern.Protocol.Tests.Malformed;

/// <summary>
/// Bad CONNECT, CONNACK, DISCONNECT and AUTH packets, each with the exact reason code a 5.0 receiver must use and the
/// statement it breaks. For CONNECT the version column is what the decoder reports in the refused packet: the level it
/// read, or Unknown when it failed before the level.
/// </summary>
public class ConnectFamilyMalformedCases
{
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;
    private const ReasonCode ProtocolError = ReasonCode.ProtocolError;
    private const ProtocolVersion V310 = ProtocolVersion.V310;
    private const ProtocolVersion V311 = ProtocolVersion.V311;
    private const ProtocolVersion V500 = ProtocolVersion.V500;
    private const ProtocolVersion Unknown = ProtocolVersion.Unknown;

    // Valid starts: 3.1.1 "10 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'" and 5.0 "10 0E 00 04 'MQTT' 05 02 00 3C 00 00 01 'c'"
    // (name, level, flags = clean session, keep alive 60, [property length 0,] client id "c").
    public static TheoryData<string, ProtocolVersion, string, ReasonCode, string> Cases => new()
    {
        // CONNECT: fixed header, protocol name and level
        { "CONNECT with fixed header flags 0001 is malformed 3.1.1 MQTT-2.2.2-2", Unknown, "11 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "CONNECT with fixed header flags 1000 is malformed 3.1.1 MQTT-2.2.2-2", Unknown, "18 0D 00 04 'MQTT' 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "protocol name MQTX is refused MQTT-3.1.2-1", Unknown, "10 0D 00 04 'MQTX' 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-1" },
        { "protocol name MQT is refused MQTT-3.1.2-1", Unknown, "10 0C 00 03 'MQT' 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-1" },
        { "empty protocol name is refused MQTT-3.1.2-1", Unknown, "10 09 00 00 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-1" },
        { "lower-case protocol name mqtt is refused MQTT-3.1.2-1", Unknown, "10 0D 00 04 'mqtt' 04 02 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-1" },
        { "MQTT level 6 is an unsupported protocol version MQTT-3.1.2-2", (ProtocolVersion)6, "10 0D 00 04 'MQTT' 06 02 00 3C 00 01 'c'", ReasonCode.UnsupportedProtocolVersion, "3.1.1 MQTT-3.1.2-2" },
        { "MQTT level 3 is an unsupported protocol version MQTT-3.1.2-2", (ProtocolVersion)3, "10 0D 00 04 'MQTT' 03 02 00 3C 00 01 'c'", ReasonCode.UnsupportedProtocolVersion, "3.1.1 MQTT-3.1.2-2" },
        { "MQIsdp level 4 is an unsupported protocol version MQTT-3.1.2-2", (ProtocolVersion)4, "10 0F 00 06 'MQIsdp' 04 02 00 3C 00 01 'c'", ReasonCode.UnsupportedProtocolVersion, "3.1.1 MQTT-3.1.2-2" },
        { "bridge level 0x84 is an unsupported protocol version MQTT-3.1.2-2", (ProtocolVersion)0x84, "10 0D 00 04 'MQTT' 84 02 00 3C 00 01 'c'", ReasonCode.UnsupportedProtocolVersion, "3.1.1 MQTT-3.1.2-2" },

        // CONNECT: flags
        { "311 reserved connect flag set is malformed MQTT-3.1.2-3", V311, "10 0D 00 04 'MQTT' 04 03 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-3" },
        { "500 reserved connect flag set is malformed MQTT-3.1.2-3", V500, "10 0E 00 04 'MQTT' 05 03 00 3C 00 00 01 'c'", Malformed, "5.0 MQTT-3.1.2-3" },
        { "31 reserved connect flag set is malformed MQTT-3.1.2-3", V310, "10 0F 00 06 'MQIsdp' 03 03 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-3" },
        { "311 will QoS 1 without the will flag MQTT-3.1.2-13", V311, "10 0D 00 04 'MQTT' 04 0A 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-13" },
        { "311 will retain without the will flag MQTT-3.1.2-15", V311, "10 0D 00 04 'MQTT' 04 22 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-15" },
        { "500 will QoS 2 without the will flag MQTT-3.1.2-11", V500, "10 0E 00 04 'MQTT' 05 12 00 3C 00 00 01 'c'", Malformed, "5.0 MQTT-3.1.2-11" },
        { "500 will retain without the will flag MQTT-3.1.2-13", V500, "10 0E 00 04 'MQTT' 05 22 00 3C 00 00 01 'c'", Malformed, "5.0 MQTT-3.1.2-13" },
        { "311 will QoS 3 MQTT-3.1.2-14", V311, "10 13 00 04 'MQTT' 04 1E 00 3C 00 01 'c' 00 01 't' 00 01 'x'", Malformed, "3.1.1 MQTT-3.1.2-14" },
        { "500 will QoS 3 MQTT-3.1.2-12", V500, "10 15 00 04 'MQTT' 05 1E 00 3C 00 00 01 'c' 00 00 01 't' 00 01 'x'", Malformed, "5.0 MQTT-3.1.2-12" },
        { "311 password flag without user name flag MQTT-3.1.2-22", V311, "10 11 00 04 'MQTT' 04 42 00 3C 00 01 'c' 00 02 'pw'", Malformed, "3.1.1 MQTT-3.1.2-22" },
        { "31 password flag without user name flag MQTT-3.1.2-22", V310, "10 13 00 06 'MQIsdp' 03 42 00 3C 00 01 'c' 00 02 'pw'", Malformed, "3.1.1 MQTT-3.1.2-22" },

        // CONNECT: truncations of the variable header
        { "CONNECT ends inside the protocol name 3.1.1 section 3.1.2.1", Unknown, "10 04 00 04 'MQ'", Malformed, "3.1.1 §3.1.2.1" },
        { "CONNECT ends inside the protocol name length 3.1.1 section 3.1.2.1", Unknown, "10 01 00", Malformed, "3.1.1 §3.1.2.1" },
        { "CONNECT ends before the level 3.1.1 section 3.1.2.2", Unknown, "10 06 00 04 'MQTT'", Malformed, "3.1.1 §3.1.2.2" },
        { "311 CONNECT ends before the flags 3.1.1 section 3.1.2.3", V311, "10 07 00 04 'MQTT' 04", Malformed, "3.1.1 §3.1.2.3" },
        { "500 CONNECT ends before the flags 5.0 section 3.1.2.3", V500, "10 07 00 04 'MQTT' 05", Malformed, "5.0 §3.1.2.3" },
        { "311 CONNECT ends inside the keep alive 3.1.1 section 3.1.2.10", V311, "10 09 00 04 'MQTT' 04 02 00", Malformed, "3.1.1 §3.1.2.10" },
        { "500 CONNECT ends inside the keep alive 5.0 section 3.1.2.10", V500, "10 08 00 04 'MQTT' 05 02", Malformed, "5.0 §3.1.2.10" },
        { "500 CONNECT ends before the property length 5.0 section 2.2.2.1", V500, "10 0A 00 04 'MQTT' 05 02 00 3C", Malformed, "5.0 §2.2.2.1" },
        { "311 CONNECT ends before the client identifier MQTT-3.1.3-3", V311, "10 0A 00 04 'MQTT' 04 02 00 3C", Malformed, "3.1.1 MQTT-3.1.3-3" },
        { "311 CONNECT ends inside the client identifier MQTT-3.1.3-3", V311, "10 0D 00 04 'MQTT' 04 02 00 3C 00 05 'c'", Malformed, "3.1.1 MQTT-3.1.3-3" },
        { "500 CONNECT ends inside the client identifier MQTT-3.1.3-3", V500, "10 0C 00 04 'MQTT' 05 02 00 3C 00 00", Malformed, "5.0 MQTT-3.1.3-3" },

        // CONNECT: properties (5.0)
        { "Topic Alias in CONNECT properties 5.0 section 2.2.2.2", V500, "10 11 00 04 'MQTT' 05 02 00 3C 03 23 00 01 00 01 'c'", Malformed, "5.0 §2.2.2.2" },
        { "Payload Format Indicator in CONNECT properties, only allowed in will properties 5.0 section 2.2.2.2", V500, "10 10 00 04 'MQTT' 05 02 00 3C 02 01 01 00 01 'c'", Malformed, "5.0 §2.2.2.2" },
        { "Will Delay Interval in CONNECT properties, only allowed in will properties 5.0 section 2.2.2.2", V500, "10 13 00 04 'MQTT' 05 02 00 3C 05 18 00 00 00 05 00 01 'c'", Malformed, "5.0 §2.2.2.2" },
        { "duplicate Session Expiry Interval 5.0 section 2.2.2.2", V500, "10 18 00 04 'MQTT' 05 02 00 3C 0A 11 00 00 00 01 11 00 00 00 02 00 01 'c'", ProtocolError, "5.0 §2.2.2.2" },
        { "Receive Maximum 0 5.0 section 3.1.2.11.3", V500, "10 11 00 04 'MQTT' 05 02 00 3C 03 21 00 00 00 01 'c'", ProtocolError, "5.0 §3.1.2.11.3" },
        { "Maximum Packet Size 0 5.0 section 3.1.2.11.4", V500, "10 13 00 04 'MQTT' 05 02 00 3C 05 27 00 00 00 00 00 01 'c'", ProtocolError, "5.0 §3.1.2.11.4" },
        { "Request Problem Information 2 5.0 section 3.1.2.11.7", V500, "10 10 00 04 'MQTT' 05 02 00 3C 02 17 02 00 01 'c'", ProtocolError, "5.0 §3.1.2.11.7" },
        { "property length in 5 bytes MQTT-1.5.5-1", V500, "10 12 00 04 'MQTT' 05 02 00 3C 80 80 80 80 01 00 01 'c'", Malformed, "5.0 MQTT-1.5.5-1" },
        { "property length past the end of the CONNECT 5.0 section 2.2.2.1", V500, "10 0E 00 04 'MQTT' 05 02 00 3C 7F 00 01 'c'", Malformed, "5.0 §2.2.2.1" },
        { "property cut short by the property length 5.0 section 2.2.2.2", V500, "10 10 00 04 'MQTT' 05 02 00 3C 02 11 00 00 01 'c'", Malformed, "5.0 §2.2.2.2" },
        { "Authentication Data without Authentication Method 5.0 section 3.1.2.11.10", V500, "10 15 00 04 'MQTT' 05 02 00 3C 07 16 00 04 DE AD BE EF 00 01 'c'", ProtocolError, "5.0 §3.1.2.11.10" },
        { "user property value with overlong C0 80 MQTT-1.5.4-1", V500, "10 16 00 04 'MQTT' 05 02 00 3C 08 26 00 01 'k' 00 02 C0 80 00 01 'c'", Malformed, "5.0 MQTT-1.5.4-1" },
        { "user property name with surrogate ED A0 80 MQTT-1.5.4-1", V500, "10 17 00 04 'MQTT' 05 02 00 3C 09 26 00 03 ED A0 80 00 01 'v' 00 01 'c'", Malformed, "5.0 MQTT-1.5.4-1" },

        // CONNECT: client identifier
        { "311 client identifier with surrogate ED A0 80 closes MQTT-1.5.3-1", V311, "10 0F 00 04 'MQTT' 04 02 00 3C 00 03 ED A0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "311 client identifier with U+0000 closes MQTT-1.5.3-2", V311, "10 0D 00 04 'MQTT' 04 02 00 3C 00 01 00", Malformed, "3.1.1 MQTT-1.5.3-2" },
        { "500 client identifier with surrogate ED A0 80 is not valid MQTT-1.5.4-1", V500, "10 10 00 04 'MQTT' 05 02 00 3C 00 00 03 ED A0 80", ReasonCode.ClientIdentifierNotValid, "5.0 MQTT-1.5.4-1" },
        { "500 client identifier with overlong C0 80 is not valid MQTT-1.5.4-1", V500, "10 0F 00 04 'MQTT' 05 02 00 3C 00 00 02 C0 80", ReasonCode.ClientIdentifierNotValid, "5.0 MQTT-1.5.4-1" },
        { "500 client identifier with U+0000 is not valid MQTT-1.5.4-2", V500, "10 0E 00 04 'MQTT' 05 02 00 3C 00 00 01 00", ReasonCode.ClientIdentifierNotValid, "5.0 MQTT-1.5.4-2" },
        { "311 zero-length client identifier with CleanSession 0 MQTT-3.1.3-8", V311, "10 0C 00 04 'MQTT' 04 00 00 3C 00 00", ReasonCode.ClientIdentifierNotValid, "3.1.1 MQTT-3.1.3-8" },
        { "31 zero-length client identifier, 3.1 requires 1 to 23 characters", V310, "10 0E 00 06 'MQIsdp' 03 02 00 3C 00 00", ReasonCode.ClientIdentifierNotValid, "3.1 §3.1 Client Identifier" },

        // CONNECT: will
        { "311 will flag without will topic MQTT-3.1.2-9", V311, "10 0D 00 04 'MQTT' 04 06 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-9" },
        { "311 will topic without will message MQTT-3.1.2-9", V311, "10 10 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 01 't'", Malformed, "3.1.1 MQTT-3.1.2-9" },
        { "311 will message cut short MQTT-3.1.2-9", V311, "10 13 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 01 't' 00 05 'x'", Malformed, "3.1.1 MQTT-3.1.2-9" },
        { "500 will flag without will properties MQTT-3.1.2-9", V500, "10 0E 00 04 'MQTT' 05 06 00 3C 00 00 01 'c'", Malformed, "5.0 MQTT-3.1.2-9" },
        { "500 will properties without will topic MQTT-3.1.2-9", V500, "10 0F 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 00", Malformed, "5.0 MQTT-3.1.2-9" },
        { "500 will topic without will payload MQTT-3.1.2-9", V500, "10 12 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 00 00 01 't'", Malformed, "5.0 MQTT-3.1.2-9" },
        { "311 will topic with a wildcard MQTT-3.3.2-2", V311, "10 15 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 03 'a/#' 00 01 'x'", ReasonCode.TopicNameInvalid, "3.1.1 MQTT-3.3.2-2" },
        { "500 will topic with a wildcard is an invalid topic name MQTT-3.3.2-2", V500, "10 17 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 00 00 03 'a/+' 00 01 'x'", ReasonCode.TopicNameInvalid, "5.0 MQTT-3.3.2-2" },
        { "311 empty will topic MQTT-4.7.3-1", V311, "10 12 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 00 00 01 'x'", ProtocolError, "3.1.1 MQTT-4.7.3-1" },
        { "311 will topic with surrogate ED A0 80 MQTT-1.5.3-1", V311, "10 15 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 03 ED A0 80 00 01 'x'", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "311 will topic with U+0000 MQTT-1.5.3-2", V311, "10 13 00 04 'MQTT' 04 06 00 3C 00 01 'c' 00 01 00 00 01 'x'", Malformed, "3.1.1 MQTT-1.5.3-2" },
        { "500 will topic with overlong C0 80 MQTT-1.5.4-1", V500, "10 16 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 00 00 02 C0 80 00 01 'x'", Malformed, "5.0 MQTT-1.5.4-1" },
        { "Session Expiry Interval in will properties 5.0 section 2.2.2.2", V500, "10 1A 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 05 11 00 00 00 01 00 01 't' 00 01 'x'", Malformed, "5.0 §2.2.2.2" },
        { "will Response Topic with a wildcard 5.0 section 3.1.3.2.5", V500, "10 1A 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 05 08 00 02 'a#' 00 01 't' 00 01 'x'", ProtocolError, "5.0 §3.1.3.2.5" },
        { "will Payload Format Indicator 2 5.0 section 3.3.2.3.2", V500, "10 17 00 04 'MQTT' 05 06 00 3C 00 00 01 'c' 02 01 02 00 01 't' 00 01 'x'", ProtocolError, "5.0 §3.3.2.3.2" },

        // CONNECT: user name, password, trailing bytes
        { "311 user name flag without user name MQTT-3.1.2-19", V311, "10 0D 00 04 'MQTT' 04 82 00 3C 00 01 'c'", Malformed, "3.1.1 MQTT-3.1.2-19" },
        { "500 user name cut short MQTT-3.1.2-17", V500, "10 12 00 04 'MQTT' 05 82 00 3C 00 00 01 'c' 00 05 'ab'", Malformed, "5.0 MQTT-3.1.2-17" },
        { "311 password flag without password MQTT-3.1.2-21", V311, "10 10 00 04 'MQTT' 04 C2 00 3C 00 01 'c' 00 01 'u'", Malformed, "3.1.1 MQTT-3.1.2-21" },
        { "500 password flag without password MQTT-3.1.2-19", V500, "10 0E 00 04 'MQTT' 05 42 00 3C 00 00 01 'c'", Malformed, "5.0 MQTT-3.1.2-19" },
        { "311 user name with surrogate ED A0 80 MQTT-1.5.3-1", V311, "10 12 00 04 'MQTT' 04 82 00 3C 00 01 'c' 00 03 ED A0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "311 user name with U+0000 MQTT-1.5.3-2", V311, "10 10 00 04 'MQTT' 04 82 00 3C 00 01 'c' 00 01 00", Malformed, "3.1.1 MQTT-1.5.3-2" },
        { "500 user name with overlong C0 80 MQTT-1.5.4-1", V500, "10 12 00 04 'MQTT' 05 82 00 3C 00 00 01 'c' 00 02 C0 80", Malformed, "5.0 MQTT-1.5.4-1" },
        { "500 user name with U+0000 MQTT-1.5.4-2", V500, "10 11 00 04 'MQTT' 05 82 00 3C 00 00 01 'c' 00 01 00", Malformed, "5.0 MQTT-1.5.4-2" },
        { "311 byte after the client identifier MQTT-3.1.4-1", V311, "10 0E 00 04 'MQTT' 04 02 00 3C 00 01 'c' FF", Malformed, "3.1.1 MQTT-3.1.4-1" },
        { "311 user name present without its flag MQTT-3.1.4-1", V311, "10 10 00 04 'MQTT' 04 02 00 3C 00 01 'c' 00 01 'u'", Malformed, "3.1.1 MQTT-3.1.4-1" },
        { "500 byte after the password MQTT-3.1.4-1", V500, "10 12 00 04 'MQTT' 05 42 00 3C 00 00 01 'c' 00 01 'p' FF", Malformed, "5.0 MQTT-3.1.4-1" },

        // CONNACK
        { "311 CONNACK with fixed header flags 0001 MQTT-2.2.2-2", V311, "21 02 00 00", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "500 CONNACK with fixed header flags 0010 MQTT-2.1.3-1", V500, "22 03 00 00 00", Malformed, "5.0 MQTT-2.1.3-1" },
        { "311 CONNACK with reserved acknowledge flag bit 1 3.1.1 section 3.2.2.1", V311, "20 02 02 00", Malformed, "3.1.1 §3.2.2.1" },
        { "31 CONNACK with byte 1 not zero, 3.1 has no session present", V310, "20 02 01 00", Malformed, "3.1 §3.2 Variable header" },
        { "311 CONNACK return code 6 is reserved 3.1.1 section 3.2.2.3", V311, "20 02 00 06", ProtocolError, "3.1.1 §3.2.2.3" },
        { "311 CONNACK session present with return code 5 MQTT-3.2.2-4", V311, "20 02 01 05", ProtocolError, "3.1.1 MQTT-3.2.2-4" },
        { "311 CONNACK without any byte 3.1.1 section 3.2.2.1", V311, "20 00", Malformed, "3.1.1 §3.2.2.1" },
        { "311 CONNACK without return code 3.1.1 section 3.2.2.3", V311, "20 01 00", Malformed, "3.1.1 §3.2.2.3" },
        { "311 CONNACK with a byte after the return code 3.1.1 section 3.2.3", V311, "20 03 00 00 00", Malformed, "3.1.1 §3.2.3" },
        { "500 CONNACK with reserved acknowledge flag bit 7 MQTT-3.2.2-1", V500, "20 03 80 00 00", Malformed, "5.0 MQTT-3.2.2-1" },
        { "500 CONNACK without reason code 5.0 section 3.2.2.2", V500, "20 01 00", Malformed, "5.0 §3.2.2.2" },
        { "500 CONNACK without property length 5.0 section 2.2.2.1", V500, "20 02 00 00", Malformed, "5.0 §2.2.2.1" },
        { "500 CONNACK reason code 0x04 belongs to DISCONNECT MQTT-3.2.2-8", V500, "20 03 00 04 00", ProtocolError, "5.0 MQTT-3.2.2-8" },
        { "500 CONNACK reason code 0x8E belongs to DISCONNECT MQTT-3.2.2-8", V500, "20 03 00 8E 00", ProtocolError, "5.0 MQTT-3.2.2-8" },
        { "500 CONNACK session present with reason code 0x80 MQTT-3.2.2-6", V500, "20 03 01 80 00", ProtocolError, "5.0 MQTT-3.2.2-6" },
        { "500 CONNACK with a byte after the properties 5.0 section 3.2.3", V500, "20 04 00 00 00 FF", Malformed, "5.0 §3.2.3" },
        { "Will Delay Interval in CONNACK 5.0 section 2.2.2.2", V500, "20 08 00 00 05 18 00 00 00 01", Malformed, "5.0 §2.2.2.2" },
        { "duplicate Maximum QoS in CONNACK 5.0 section 2.2.2.2", V500, "20 07 00 00 04 24 00 24 01", ProtocolError, "5.0 §2.2.2.2" },
        { "Maximum QoS 2 in CONNACK 5.0 section 3.2.2.3.4", V500, "20 05 00 00 02 24 02", ProtocolError, "5.0 §3.2.2.3.4" },

        // DISCONNECT
        { "311 DISCONNECT with remaining length 1 3.1.1 section 3.14.2", V311, "E0 01 00", Malformed, "3.1.1 §3.14.2" },
        { "31 DISCONNECT with remaining length 1 3.1.1 section 3.14.2", V310, "E0 01 00", Malformed, "3.1.1 §3.14.2" },
        { "311 DISCONNECT with fixed header flags 0001 MQTT-2.2.2-2", V311, "E1 00", Malformed, "3.1.1 MQTT-2.2.2-2" },
        { "500 DISCONNECT with fixed header flags 0010 MQTT-2.1.3-1", V500, "E2 00", Malformed, "5.0 MQTT-2.1.3-1" },
        { "500 DISCONNECT reason code 0x18 belongs to AUTH MQTT-3.14.2-1", V500, "E0 01 18", ProtocolError, "5.0 MQTT-3.14.2-1" },
        { "500 DISCONNECT reason code 0x84 belongs to CONNACK MQTT-3.14.2-1", V500, "E0 01 84", ProtocolError, "5.0 MQTT-3.14.2-1" },
        { "500 DISCONNECT reason code 0xFF is undefined MQTT-3.14.2-1", V500, "E0 02 FF 00", ProtocolError, "5.0 MQTT-3.14.2-1" },
        { "500 DISCONNECT property length past the end 5.0 section 2.2.2.1", V500, "E0 03 00 05 11", Malformed, "5.0 §2.2.2.1" },
        { "500 DISCONNECT property length in 5 bytes MQTT-1.5.5-1", V500, "E0 06 00 80 80 80 80 01", Malformed, "5.0 MQTT-1.5.5-1" },
        { "500 DISCONNECT with a byte after the properties 5.0 section 3.14.3", V500, "E0 03 00 00 FF", Malformed, "5.0 §3.14.3" },
        { "duplicate Session Expiry Interval in DISCONNECT 5.0 section 2.2.2.2", V500, "E0 0C 00 0A 11 00 00 00 01 11 00 00 00 02", ProtocolError, "5.0 §2.2.2.2" },
        { "Receive Maximum in DISCONNECT 5.0 section 2.2.2.2", V500, "E0 05 00 03 21 00 01", Malformed, "5.0 §2.2.2.2" },
        { "DISCONNECT Reason String with surrogate ED A0 80 MQTT-1.5.4-1", V500, "E0 08 00 06 1F 00 03 ED A0 80", Malformed, "5.0 MQTT-1.5.4-1" },

        // AUTH
        { "AUTH on a 311 connection is a reserved packet type 3.1.1 section 2.2.1", V311, "F0 00", Malformed, "3.1.1 §2.2.1" },
        { "AUTH on a 31 connection is a reserved packet type 3.1.1 section 2.2.1", V310, "F0 00", Malformed, "3.1.1 §2.2.1" },
        { "AUTH with fixed header flags 0001 MQTT-2.1.3-1", V500, "F1 00", Malformed, "5.0 MQTT-2.1.3-1" },
        { "AUTH reason code 0x87 is not an Authenticate Reason Code MQTT-3.15.2-1", V500, "F0 02 87 00", ProtocolError, "5.0 MQTT-3.15.2-1" },
        { "AUTH reason code 0x04 is not an Authenticate Reason Code MQTT-3.15.2-1", V500, "F0 02 04 00", ProtocolError, "5.0 MQTT-3.15.2-1" },
        { "AUTH with a reason code and no property length 5.0 section 3.15.2.1", V500, "F0 01 18", Malformed, "5.0 §3.15.2.1" },
        { "AUTH property length past the end 5.0 section 2.2.2.1", V500, "F0 03 18 09 15", Malformed, "5.0 §2.2.2.1" },
        { "AUTH with a byte after the properties 5.0 section 3.15.3", V500, "F0 03 18 00 FF", Malformed, "5.0 §3.15.3" },
        { "Session Expiry Interval in AUTH 5.0 section 2.2.2.2", V500, "F0 07 18 05 11 00 00 00 01", Malformed, "5.0 §2.2.2.2" },
        { "duplicate Authentication Method in AUTH 5.0 section 2.2.2.2", V500, "F0 0A 18 08 15 00 01 'a' 15 00 01 'b'", ProtocolError, "5.0 §2.2.2.2" },
        { "AUTH Authentication Method with surrogate ED A0 80 MQTT-1.5.4-1", V500, "F0 08 18 06 15 00 03 ED A0 80", Malformed, "5.0 MQTT-1.5.4-1" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_bad_connect_family_packet_is_refused_with_its_reason_code_and_statement(
        string name, ProtocolVersion version, string frame, ReasonCode reasonCode, string statement)
    {
        var body = Hex.SplitFrame(Hex.Bytes(frame), out var header);

        bool decoded;
        ProtocolViolation violation;
        switch (header.Type)
        {
            case PacketType.Connect:
                decoded = ConnectPacket.TryDecode(header, body, out var connect, out violation);
                Assert.Equal(version, connect.ProtocolVersion);
                break;
            case PacketType.ConnAck:
                decoded = ConnAckPacket.TryDecode(header, body, version, out _, out violation);
                break;
            case PacketType.Disconnect:
                decoded = DisconnectPacket.TryDecode(header, body, version, out _, out violation);
                break;
            case PacketType.Auth:
                decoded = AuthPacket.TryDecode(header, body, version, out _, out violation);
                break;
            default:
                throw new InvalidOperationException($"{name}: not a CONNECT-family frame");
        }

        Assert.False(decoded, name);
        Assert.Equal(reasonCode, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);
        Assert.False(string.IsNullOrEmpty(violation.Description));
    }

    [Fact]
    public void The_table_covers_every_packet_of_the_family_with_at_least_35_rows()
    {
        var types = Cases.Select(row => (PacketType)(Hex.Bytes((string)row[2])[0] >> 4)).ToHashSet();

        Assert.True(Cases.Count() >= 35);
        Assert.Equal([PacketType.Connect, PacketType.ConnAck, PacketType.Disconnect, PacketType.Auth], types.Order());
    }
}
