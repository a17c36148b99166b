using Tern.Protocol.Framing;
using Tern.Protocol.Properties;

namespace Tern.Protocol.Packets;

/// <summary>
/// A decoded CONNECT (3.1 §3.1, 3.1.1 §3.1, 5.0 §3.1): a read-only view over the packet's bytes. The packet itself says
/// which protocol it speaks (<see cref="ProtocolName"/> and <see cref="ProtocolVersion"/>), so decoding needs no version.
/// Strings, binary fields and properties are slices of the receive buffer; copy what must outlive it.
/// To send one, build a view with <c>new ConnectPacket { ... }</c> and pass it to <see cref="Write"/>.
/// </summary>
public readonly ref partial struct ConnectPacket
{
    /// <summary>The protocol name: <c>MQTT</c> (3.1.1, 5.0) or <c>MQIsdp</c> (3.1). Empty when writing means "the name of <see cref="ProtocolVersion"/>".</summary>
    public ReadOnlySpan<byte> ProtocolName { get; init; }

    /// <summary>The protocol level: <see cref="ProtocolVersion.V310"/>, <see cref="ProtocolVersion.V311"/> or <see cref="ProtocolVersion.V500"/>.</summary>
    public ProtocolVersion ProtocolVersion { get; init; }

    /// <summary>CleanSession (3.1, 3.1.1) or Clean Start (5.0).</summary>
    public bool CleanSession { get; init; }

    /// <summary>The Keep Alive in seconds; 0 turns the keep-alive mechanism off.</summary>
    public ushort KeepAlive { get; init; }

    /// <summary>The CONNECT properties (5.0 only; empty before 5.0).</summary>
    public MqttProperties Properties { get; init; }

    /// <summary>The Client Identifier as UTF-8 bytes; empty when the client asks the server to assign one.</summary>
    public ReadOnlySpan<byte> ClientIdentifier { get; init; }

    /// <summary>The Will Flag: a Will Message follows the client identifier.</summary>
    public bool HasWill { get; init; }

    /// <summary>The QoS of the Will Message; 0 when there is no will.</summary>
    public QualityOfService WillQoS { get; init; }

    /// <summary>Whether the Will Message is published as a retained message; false when there is no will.</summary>
    public bool WillRetain { get; init; }

    /// <summary>The Will Properties (5.0 only, context <see cref="PropertyContext.Will"/>): Will Delay Interval, Payload Format Indicator, Message Expiry Interval, Content Type, Response Topic, Correlation Data, User Property.</summary>
    public MqttProperties WillProperties { get; init; }

    /// <summary>The Will Topic as UTF-8 bytes (a Topic Name: no wildcards).</summary>
    public ReadOnlySpan<byte> WillTopic { get; init; }

    /// <summary>The Will Message payload (3.1.1 "Will Message", 5.0 "Will Payload").</summary>
    public ReadOnlySpan<byte> WillPayload { get; init; }

    /// <summary>The User Name Flag.</summary>
    public bool HasUserName { get; init; }

    /// <summary>The User Name as UTF-8 bytes (may be empty even when <see cref="HasUserName"/> is set).</summary>
    public ReadOnlySpan<byte> UserName { get; init; }

    /// <summary>The Password Flag.</summary>
    public bool HasPassword { get; init; }

    /// <summary>The Password: binary data.</summary>
    public ReadOnlySpan<byte> Password { get; init; }

    /// <summary>
    /// Decodes a CONNECT body, whatever its version. Checks, in wire order: the fixed header (by 3.1.1's rules, the same
    /// for CONNECT in every version), the protocol name and level, the connect flags, the properties (5.0), each
    /// payload field the flags announce, and that nothing follows the last one; then the client identifier.
    /// </summary>
    /// <remarks>
    /// <para>
    /// When this returns false, <paramref name="packet"/> still carries <see cref="ProtocolName"/> and
    /// <see cref="ProtocolVersion"/> if they were read, so a server knows which CONNACK format to answer in
    /// (0x84 / return code 0x01 for an unsupported level, 0x85 / return code 0x02 for a refused client identifier);
    /// every other field is default.
    /// </para>
    /// <para>
    /// A violation answered with a CONNACK (0x85 Client Identifier not valid) is reported only for a CONNECT that is
    /// otherwise well formed: a server MUST close without CONNACK on a CONNECT that does not match §3.1
    /// ([MQTT-3.1.4-1] in 3.1.1 and 5.0), so the structural checks come first.
    /// </para>
    /// </remarks>
    public static bool TryDecode(scoped in FixedHeader header, ReadOnlySpan<byte> body, out ConnectPacket packet, out ProtocolViolation violation)
    {
        packet = default;

        // The level is inside the packet. Until it is read, the fixed header is judged by 3.1.1, whose rule for CONNECT
        // (type 1, flags 0000) is the one of 3.1 and 5.0 too; only the statement numbering differs.
        violation = header.Validate(ProtocolVersion.V311);
        if (!violation.IsNone)
        {
            return false;
        }

        var reader = new MqttReader(body);
        if (!reader.TryReadLengthPrefixed(out var name))
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.1.2.1", "CONNECT ends inside the protocol name");
            return false;
        }

        bool isMqtt = name.SequenceEqual("MQTT"u8);
        if (!isMqtt && !name.SequenceEqual("MQIsdp"u8))
        {
            // Malformed (0x81), not 0x84: both specifications only require the server to stop treating the bytes as
            // MQTT (3.1.1 MQTT-3.1.2-1: MAY disconnect; 5.0 MQTT-3.1.2-1: MAY send CONNACK 0x84, MUST close). With an
            // unknown name not even the CONNACK format is known, and 0x81 maps to no 3.1.1 return code, so the server
            // closes without answering, which is what both versions allow for a peer that is not speaking MQTT.
            violation = ProtocolViolation.Malformed("3.1.1 MQTT-3.1.2-1", "protocol name is neither MQTT nor MQIsdp");
            return false;
        }

        if (!reader.TryReadByte(out byte level))
        {
            violation = ProtocolViolation.Malformed("3.1.1 §3.1.2.2", "CONNECT ends before the protocol level");
            return false;
        }

        var version = (isMqtt, level) switch
        {
            (true, 4) => ProtocolVersion.V311,
            (true, 5) => ProtocolVersion.V500,
            (false, 3) => ProtocolVersion.V310,
            _ => ProtocolVersion.Unknown,
        };

        if (version == ProtocolVersion.Unknown)
        {
            // A known name with a level Tern does not speak (MQTT 3/6.., MQIsdp 4/5, bridge bit 0x80 set): 3.1.1 requires
            // CONNACK return code 0x01 then close (MQTT-3.1.2-2); 5.0 allows CONNACK 0x84 then close (MQTT-3.1.2-2).
            packet = new ConnectPacket { ProtocolName = name, ProtocolVersion = (ProtocolVersion)level };
            violation = new ProtocolViolation(ReasonCode.UnsupportedProtocolVersion, "3.1.1 MQTT-3.1.2-2", "unsupported protocol level");
            return false;
        }

        return TryDecodeRest(ref reader, name, version, out packet, out violation);
    }

    private static bool TryDecodeRest(scoped ref MqttReader reader, ReadOnlySpan<byte> name, ProtocolVersion version, out ConnectPacket packet, out ProtocolViolation violation)
    {
        // From here on a failed decode still tells the caller which protocol the client speaks.
        packet = new ConnectPacket { ProtocolName = name, ProtocolVersion = version };
        bool v5 = version == ProtocolVersion.V500;
        if (!reader.TryReadByte(out byte flags))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.1.2.3" : "3.1.1 §3.1.2.3", "CONNECT ends before the connect flags");
            return false;
        }

        if (!ConnectFlags.TryValidate(flags, v5, out violation))
        {
            return false;
        }

        if (!reader.TryReadUInt16(out ushort keepAlive))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 §3.1.2.10" : "3.1.1 §3.1.2.10", "CONNECT ends inside the keep alive");
            return false;
        }

        MqttProperties properties = default;
        if (v5)
        {
            if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.Connect, out properties, out violation))
            {
                return false;
            }

            if (properties.TryGet(PropertyId.AuthenticationData, out _) && !properties.TryGet(PropertyId.AuthenticationMethod, out _))
            {
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.2.11.10", "Authentication Data without Authentication Method");
                return false;
            }
        }

        if (!reader.TryReadLengthPrefixed(out var clientId))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.3-3" : "3.1.1 MQTT-3.1.3-3", "CONNECT ends inside the client identifier");
            return false;
        }

        bool hasWill = (flags & ConnectFlags.Will) != 0;
        MqttProperties willProperties = default;
        ReadOnlySpan<byte> willTopic = default, willPayload = default;
        if (hasWill && !TryReadWill(ref reader, version, out willProperties, out willTopic, out willPayload, out violation))
        {
            return false;
        }

        bool hasUserName = (flags & ConnectFlags.UserName) != 0;
        ReadOnlySpan<byte> userName = default;
        if (hasUserName)
        {
            if (!reader.TryReadLengthPrefixed(out userName))
            {
                violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-17" : "3.1.1 MQTT-3.1.2-19", "user name flag set but the user name is missing or cut short");
                return false;
            }

            violation = Utf8Rules.Check(userName) switch
            {
                Utf8Status.IllFormed => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-1" : "3.1.1 MQTT-1.5.3-1", "ill-formed UTF-8 in the user name"),
                Utf8Status.NullCharacter => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-2" : "3.1.1 MQTT-1.5.3-2", "U+0000 in the user name"),
                _ => default,
            };
            if (!violation.IsNone)
            {
                return false;
            }
        }

        bool hasPassword = (flags & ConnectFlags.Password) != 0;
        ReadOnlySpan<byte> password = default;
        if (hasPassword && !reader.TryReadLengthPrefixed(out password))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-19" : "3.1.1 MQTT-3.1.2-21", "password flag set but the password is missing or cut short");
            return false;
        }

        if (!reader.End)
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.4-1" : "3.1.1 MQTT-3.1.4-1", "bytes after the last field of CONNECT");
            return false;
        }

        bool cleanSession = (flags & ConnectFlags.CleanSession) != 0;
        violation = ValidateClientIdentifier(clientId, version, cleanSession);
        if (!violation.IsNone)
        {
            return false;
        }

        packet = new ConnectPacket
        {
            ProtocolName = name,
            ProtocolVersion = version,
            CleanSession = cleanSession,
            KeepAlive = keepAlive,
            Properties = properties,
            ClientIdentifier = clientId,
            HasWill = hasWill,
            WillQoS = (QualityOfService)((flags >> ConnectFlags.WillQoSShift) & 0x03),
            WillRetain = (flags & ConnectFlags.WillRetain) != 0,
            WillProperties = willProperties,
            WillTopic = willTopic,
            WillPayload = willPayload,
            HasUserName = hasUserName,
            UserName = userName,
            HasPassword = hasPassword,
            Password = password,
        };
        return true;
    }

    private static bool TryReadWill(
        scoped ref MqttReader reader,
        ProtocolVersion version,
        out MqttProperties willProperties,
        out ReadOnlySpan<byte> willTopic,
        out ReadOnlySpan<byte> willPayload,
        out ProtocolViolation violation)
    {
        bool v5 = version == ProtocolVersion.V500;
        willProperties = default;
        willTopic = default;
        willPayload = default;
        if (v5)
        {
            // [MQTT-3.1.2-9]: Will Properties, Will Topic and Will Payload MUST be present. An absent block is reported
            // by that statement; a block cut short is reported by the property reader (§2.2.2).
            if (reader.End)
            {
                violation = ProtocolViolation.Malformed("5.0 MQTT-3.1.2-9", "will flag set but the will properties are missing");
                return false;
            }

            if (!PropertyReader.TryReadBlock(ref reader, PropertyContext.Will, out willProperties, out violation))
            {
                return false;
            }

            // The Response Topic is the Topic Name of the response (§3.1.3.2.5, §4.10): no wildcards, as in PUBLISH
            // ([MQTT-3.3.2-14]).
            if (willProperties.TryGetBytes(PropertyId.ResponseTopic, out var responseTopic) && !Topics.TopicName.IsValid(responseTopic))
            {
                violation = ProtocolViolation.ProtocolError("5.0 §3.1.3.2.5", "will Response Topic is not a valid topic name");
                return false;
            }
        }

        if (!reader.TryReadLengthPrefixed(out willTopic))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-9" : "3.1.1 MQTT-3.1.2-9", "will flag set but the will topic is missing or cut short");
            return false;
        }

        violation = Topics.TopicName.Validate(willTopic, version);
        if (!violation.IsNone)
        {
            return false;
        }

        if (!reader.TryReadLengthPrefixed(out willPayload))
        {
            violation = ProtocolViolation.Malformed(v5 ? "5.0 MQTT-3.1.2-9" : "3.1.1 MQTT-3.1.2-9", "will flag set but the will payload is missing or cut short");
            return false;
        }

        return true;
    }

    /// <summary>
    /// The client identifier rules a codec can judge: UTF-8 ([MQTT-1.5.3-1/-2], [MQTT-1.5.4-1/-2]), and when a zero-length
    /// identifier is refused. Length limits and allowed characters beyond these are server policy ([MQTT-3.1.3-5]).
    /// </summary>
    private static ProtocolViolation ValidateClientIdentifier(ReadOnlySpan<byte> clientId, ProtocolVersion version, bool cleanSession)
    {
        bool v5 = version == ProtocolVersion.V500;
        switch (Utf8Rules.Check(clientId))
        {
            // 5.0: the server may refuse the identifier with CONNACK 0x85 ([MQTT-3.1.3-8]). 3.1/3.1.1: ill-formed UTF-8
            // MUST close the connection ([MQTT-1.5.3-1]), so there is no return code to answer with.
            case Utf8Status.IllFormed:
                return v5
                    ? new ProtocolViolation(ReasonCode.ClientIdentifierNotValid, "5.0 MQTT-1.5.4-1", "ill-formed UTF-8 in the client identifier")
                    : ProtocolViolation.Malformed("3.1.1 MQTT-1.5.3-1", "ill-formed UTF-8 in the client identifier");
            case Utf8Status.NullCharacter:
                return v5
                    ? new ProtocolViolation(ReasonCode.ClientIdentifierNotValid, "5.0 MQTT-1.5.4-2", "U+0000 in the client identifier")
                    : ProtocolViolation.Malformed("3.1.1 MQTT-1.5.3-2", "U+0000 in the client identifier");
        }

        if (clientId.IsEmpty)
        {
            // 3.1 requires 1 to 23 characters and answers return code 2 (Identifier Rejected); the 23 limit itself is
            // left to the server (3.1.1 made longer identifiers legal, and brokers accept them from 3.1 clients too).
            if (version == ProtocolVersion.V310)
            {
                return new ProtocolViolation(ReasonCode.ClientIdentifierNotValid, "3.1 §3.1 Client Identifier", "MQTT 3.1 requires a client identifier of at least one character");
            }

            // 3.1.1: a zero-byte ClientId with CleanSession 0 gets return code 0x02, then close. 5.0 allows it with
            // either Clean Start; the server assigns an identifier ([MQTT-3.1.3-6]).
            if (version == ProtocolVersion.V311 && !cleanSession)
            {
                return new ProtocolViolation(ReasonCode.ClientIdentifierNotValid, "3.1.1 MQTT-3.1.3-8", "zero-length client identifier with CleanSession 0");
            }
        }

        return default;
    }
}
