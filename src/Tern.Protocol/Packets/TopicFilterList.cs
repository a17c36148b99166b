namespace Tern.Protocol.Packets;

/// <summary>
/// The Topic Filters of a decoded UNSUBSCRIBE, in wire order, enumerated without allocating:
/// <c>foreach (ReadOnlySpan&lt;byte&gt; filter in packet.TopicFilters) { ... }</c>. Each filter is a slice of the receive
/// buffer, already checked by <see cref="UnsubscribePacket.TryDecode"/> (non-empty, well-formed UTF-8, no U+0000).
/// </summary>
public readonly ref struct TopicFilterList
{
    internal TopicFilterList(ReadOnlySpan<byte> raw, int count)
    {
        Raw = raw;
        Count = count;
    }

    /// <summary>The encoded payload: length-prefixed Topic Filters, packed contiguously.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>How many Topic Filters there are (at least one in a decoded packet); a 5.0 UNSUBACK needs as many Reason Codes.</summary>
    public int Count { get; }

    /// <summary>Enumerates the filters in wire order.</summary>
    public Enumerator GetEnumerator() => new(Raw);

    /// <summary>
    /// The checks every Topic Filter gets in SUBSCRIBE and UNSUBSCRIBE: at least one character ([MQTT-4.7.3-1]) and a
    /// well-formed UTF-8 string without U+0000 (3.1.1 [MQTT-1.5.3-1/-2], 5.0 [MQTT-1.5.4-1/-2]). All three make the
    /// packet Malformed: the filter cannot be taken as a filter at all. Wildcard placement is a separate matter: a
    /// badly placed wildcard is answered per filter in SUBACK (0x80 / 0x8F), so the codec leaves it to the Topics rules.
    /// Control characters are let through; refusing them is the receiver's policy ([MQTT-1.5.4-2] note).
    /// </summary>
    internal static ProtocolViolation Validate(ReadOnlySpan<byte> filter, bool v5)
    {
        if (filter.IsEmpty)
        {
            return ProtocolViolation.Malformed(v5 ? "5.0 MQTT-4.7.3-1" : "3.1.1 MQTT-4.7.3-1", "zero-length topic filter");
        }

        return Utf8Rules.Check(filter) switch
        {
            Utf8Status.IllFormed => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-1" : "3.1.1 MQTT-1.5.3-1", "ill-formed UTF-8 in a topic filter"),
            Utf8Status.NullCharacter => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-2" : "3.1.1 MQTT-1.5.3-2", "U+0000 in a topic filter"),
            _ => default,
        };
    }

    /// <summary>Checks a Topic Filter given to a writer; throws for what the decoders would refuse.</summary>
    internal static int GetEncodedLength(string? filter, string paramName)
    {
        if (string.IsNullOrEmpty(filter))
        {
            throw new ArgumentException("A Topic Filter is at least one character long ([MQTT-4.7.3-1]).", paramName);
        }

        if (filter.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException("A Topic Filter must not contain U+0000 ([MQTT-1.5.4-2]).", paramName);
        }

        return PacketSize.String(filter);
    }

    /// <summary>Enumerates a validated UNSUBSCRIBE payload.</summary>
    public ref struct Enumerator
    {
        private MqttReader _reader;
        private ReadOnlySpan<byte> _current;

        internal Enumerator(ReadOnlySpan<byte> raw)
        {
            _reader = new MqttReader(raw);
            _current = default;
        }

        /// <summary>The current Topic Filter as UTF-8 bytes.</summary>
        public readonly ReadOnlySpan<byte> Current => _current;

        /// <summary>Moves to the next filter.</summary>
        public bool MoveNext() => _reader.TryReadLengthPrefixed(out _current);
    }
}
