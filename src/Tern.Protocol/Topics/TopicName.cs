namespace Tern.Protocol.Topics;

/// <summary>Rules for Topic Names: the topic of a PUBLISH or a Will Message, never containing wildcards.</summary>
public static class TopicName
{
    /// <summary>The longest topic a 2-byte length prefix can carry ([MQTT-4.7.3-3]).</summary>
    public const int MaxLength = ushort.MaxValue;

    /// <summary>
    /// Validates a Topic Name: at least one byte ([MQTT-4.7.3-1]), well-formed UTF-8 without U+0000 ([MQTT-1.5.3-1/-2],
    /// [MQTT-1.5.4-1/-2]), and no wildcard characters <c>+</c> or <c>#</c> ([MQTT-3.3.2-2]).
    /// An empty topic is a violation here; MQTT 5.0's PUBLISH with a Topic Alias handles that case before calling this.
    /// </summary>
    public static ProtocolViolation Validate(ReadOnlySpan<byte> topic, ProtocolVersion version)
    {
        bool v5 = version == ProtocolVersion.V500;
        if (topic.IsEmpty)
        {
            return ProtocolViolation.ProtocolError(v5 ? "5.0 MQTT-4.7.3-1" : "3.1.1 MQTT-4.7.3-1", "zero-length topic name");
        }

        if (topic.Length > MaxLength)
        {
            return ProtocolViolation.Malformed(v5 ? "5.0 MQTT-4.7.3-3" : "3.1.1 MQTT-4.7.3-3", "topic name longer than 65,535 bytes");
        }

        if (topic.IndexOfAny((byte)'+', (byte)'#') >= 0)
        {
            return new ProtocolViolation(
                ReasonCode.TopicNameInvalid,
                v5 ? "5.0 MQTT-3.3.2-2" : "3.1.1 MQTT-3.3.2-2",
                "wildcard character in a topic name");
        }

        return Utf8Rules.Check(topic) switch
        {
            Utf8Status.IllFormed => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-1" : "3.1.1 MQTT-1.5.3-1", "ill-formed UTF-8 in a topic name"),
            Utf8Status.NullCharacter => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-2" : "3.1.1 MQTT-1.5.3-2", "U+0000 in a topic name"),
            _ => default,
        };
    }

    /// <summary>
    /// Validates a Topic Name as <see cref="Validate(ReadOnlySpan{byte}, ProtocolVersion)"/> does, then refuses one with
    /// more than <paramref name="maxLevels"/> levels (see <see cref="TopicLevels"/>; <c>a//b</c> has three).
    /// </summary>
    /// <remarks>
    /// The specification sets no limit on levels; the limit is the Server's defence against deep topics (CVE-2019-11779:
    /// a PUBLISH to 65,535 <c>/</c> overflowed a recursive matcher). Such a name is correctly formed but not accepted:
    /// 0x90 Topic Name invalid, which a 5.0 Server sends in the PUBACK/PUBREC (§3.4.2.1) or a DISCONNECT; a 3.1.1 Server
    /// has no negative acknowledgement and closes the connection or acknowledges without routing (§3.3.5).
    /// </remarks>
    /// <param name="topic">The Topic Name bytes.</param>
    /// <param name="version">The protocol version whose rules and numbering apply.</param>
    /// <param name="maxLevels">The most levels accepted, at least 1.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLevels"/> is less than 1.</exception>
    public static ProtocolViolation Validate(ReadOnlySpan<byte> topic, ProtocolVersion version, int maxLevels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLevels, 1);
        var violation = Validate(topic, version);
        if (!violation.IsNone || TopicLevels.Count(topic) <= maxLevels)
        {
            return violation;
        }

        return new ProtocolViolation(
            ReasonCode.TopicNameInvalid,
            version == ProtocolVersion.V500 ? "5.0 §3.4.2.1" : "3.1.1 §3.3.5",
            "topic name has more levels than the server allows");
    }

    /// <summary>True for a valid Topic Name.</summary>
    public static bool IsValid(ReadOnlySpan<byte> topic, ProtocolVersion version = ProtocolVersion.V500) => Validate(topic, version).IsNone;
}
