namespace Tern.Protocol.Packets;

/// <summary>One Topic Filter of a decoded SUBSCRIBE and its options: a view into the packet's bytes.</summary>
public readonly ref struct SubscriptionEntry
{
    internal SubscriptionEntry(ReadOnlySpan<byte> topicFilter, SubscriptionOptions options)
    {
        TopicFilter = topicFilter;
        Options = options;
    }

    /// <summary>The Topic Filter as UTF-8 bytes: non-empty, well-formed, no U+0000. Wildcard placement is not checked here.</summary>
    public ReadOnlySpan<byte> TopicFilter { get; }

    /// <summary>The Subscription Options, already checked (no reserved bits, QoS and Retain Handling below 3).</summary>
    public SubscriptionOptions Options { get; }
}

/// <summary>
/// The Topic Filter / Subscription Options pairs of a decoded SUBSCRIBE, in wire order, enumerated without allocating:
/// <c>foreach (var entry in packet.Subscriptions) { ... }</c>. <see cref="SubscribePacket.TryDecode"/> validated every
/// entry before handing the list out, so enumerating it cannot fail.
/// </summary>
public readonly ref struct SubscriptionList
{
    internal SubscriptionList(ReadOnlySpan<byte> raw, int count)
    {
        Raw = raw;
        Count = count;
    }

    /// <summary>The encoded payload: each Topic Filter with its length prefix, followed by its options byte.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>How many Topic Filters the SUBSCRIBE holds (at least one in a decoded packet); the SUBACK needs as many Reason Codes.</summary>
    public int Count { get; }

    /// <summary>Enumerates the entries in wire order.</summary>
    public Enumerator GetEnumerator() => new(Raw);

    /// <summary>Enumerates a validated SUBSCRIBE payload.</summary>
    public ref struct Enumerator
    {
        private MqttReader _reader;
        private SubscriptionEntry _current;

        internal Enumerator(ReadOnlySpan<byte> raw)
        {
            _reader = new MqttReader(raw);
            _current = default;
        }

        /// <summary>The current entry.</summary>
        public readonly SubscriptionEntry Current => _current;

        /// <summary>Moves to the next entry.</summary>
        public bool MoveNext()
        {
            // The payload was validated on decode; a short read here can only mean a default list, and ends the loop.
            if (_reader.TryReadLengthPrefixed(out var filter) && _reader.TryReadByte(out byte options))
            {
                _current = new SubscriptionEntry(filter, SubscriptionOptions.FromByte(options));
                return true;
            }

            return false;
        }
    }
}
