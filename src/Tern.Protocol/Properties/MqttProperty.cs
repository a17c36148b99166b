using System.Text;

namespace Tern.Protocol.Properties;

/// <summary>
/// One decoded property: a view into the packet's bytes. Integer types are in <see cref="Integer"/>;
/// strings and binary data in <see cref="Value"/> (UTF-8 bytes, no length prefix); a User Property has its name in
/// <see cref="Value"/> and its value in <see cref="PairValue"/>.
/// </summary>
public readonly ref struct MqttProperty
{
    /// <summary>Creates a property view.</summary>
    public MqttProperty(PropertyId id, uint integer, ReadOnlySpan<byte> value, ReadOnlySpan<byte> pairValue)
    {
        Id = id;
        Integer = integer;
        Value = value;
        PairValue = pairValue;
    }

    /// <summary>The property identifier.</summary>
    public PropertyId Id { get; }

    /// <summary>The value of a Byte, Two Byte, Four Byte or Variable Byte Integer property.</summary>
    public uint Integer { get; }

    /// <summary>The bytes of a string or binary property; the name of a User Property.</summary>
    public ReadOnlySpan<byte> Value { get; }

    /// <summary>The value of a User Property.</summary>
    public ReadOnlySpan<byte> PairValue { get; }

    /// <summary>The data type of this property.</summary>
    public PropertyType Type => PropertyDefinitions.GetType(Id);

    /// <summary>Decodes <see cref="Value"/> as a string (allocates; not for hot paths).</summary>
    public string GetString() => Encoding.UTF8.GetString(Value);

    /// <summary>Decodes <see cref="PairValue"/> as a string (allocates; not for hot paths).</summary>
    public string GetPairValueString() => Encoding.UTF8.GetString(PairValue);
}
