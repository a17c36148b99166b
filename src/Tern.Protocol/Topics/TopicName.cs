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
                v5 ? ReasonCode.TopicNameInvalid : ReasonCode.ProtocolError,
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

    /// <summary>True for a valid Topic Name.</summary>
    public static bool IsValid(ReadOnlySpan<byte> topic, ProtocolVersion version = ProtocolVersion.V500) => Validate(topic, version).IsNone;
}
