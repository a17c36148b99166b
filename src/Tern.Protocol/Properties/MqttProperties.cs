namespace Tern.Protocol.Properties;

/// <summary>
/// The properties of one MQTT 5.0 packet as a read-only view over the packet's bytes: no dictionary, no copy.
/// The block was validated when the packet was decoded (identifiers, contexts, duplicates, value ranges, UTF-8),
/// so enumerating it cannot fail. Getters scan the block; property blocks are short, and a scan beats building a map.
/// </summary>
public readonly ref struct MqttProperties
{
    /// <summary>
    /// Wraps an encoded property block (without its length prefix), for instance one built with
    /// <see cref="PropertyBuilder"/> to hand to an encoder. Decoders validate every block before wrapping it; a block
    /// wrapped here is trusted, and enumerating invalid bytes simply stops at the first bad property.
    /// </summary>
    public MqttProperties(ReadOnlySpan<byte> raw) => Raw = raw;

    /// <summary>The encoded properties, without the length prefix. Forwarding them unchanged is a copy of this span.</summary>
    public ReadOnlySpan<byte> Raw { get; }

    /// <summary>True when there are no properties.</summary>
    public bool IsEmpty => Raw.IsEmpty;

    /// <summary>Enumerates the properties in wire order (User Properties keep their order).</summary>
    public PropertyEnumerator GetEnumerator() => new(Raw);

    /// <summary>Finds the first property with this id.</summary>
    public bool TryGet(PropertyId id, out MqttProperty property)
    {
        foreach (var p in this)
        {
            if (p.Id == id)
            {
                property = p;
                return true;
            }
        }

        property = default;
        return false;
    }

    /// <summary>The value of an integer property, if present.</summary>
    public bool TryGetInteger(PropertyId id, out uint value)
    {
        bool found = TryGet(id, out var p);
        value = found ? p.Integer : 0;
        return found;
    }

    /// <summary>The bytes of a string or binary property, if present.</summary>
    public bool TryGetBytes(PropertyId id, out ReadOnlySpan<byte> value)
    {
        bool found = TryGet(id, out var p);
        value = found ? p.Value : default;
        return found;
    }

    /// <summary>The value of an integer property, or null.</summary>
    public uint? GetIntegerOrNull(PropertyId id) => TryGetInteger(id, out uint v) ? v : null;

    /// <summary>The value of a string property decoded to a .NET string, or null (allocates).</summary>
    public string? GetStringOrNull(PropertyId id) => TryGet(id, out var p) ? p.GetString() : null;

    /// <summary>How many properties have this id (User Property and Subscription Identifier may repeat).</summary>
    public int Count(PropertyId id)
    {
        int n = 0;
        foreach (var p in this)
        {
            if (p.Id == id)
            {
                n++;
            }
        }

        return n;
    }
}

/// <summary>Enumerates a validated property block.</summary>
public ref struct PropertyEnumerator
{
    private MqttReader _reader;
    private MqttProperty _current;

    internal PropertyEnumerator(ReadOnlySpan<byte> raw)
    {
        _reader = new MqttReader(raw);
        _current = default;
    }

    /// <summary>The current property.</summary>
    public readonly MqttProperty Current => _current;

    /// <summary>Moves to the next property.</summary>
    public bool MoveNext()
    {
        if (_reader.End)
        {
            return false;
        }

        // The block was validated on decode; a failure here would be a bug in the validator, and ends the enumeration.
        return PropertyReader.TryReadOne(ref _reader, out _current, out _) == PropertyReadStatus.Done;
    }
}
