using System.Text;

namespace Tern.Protocol.Properties;

/// <summary>
/// Builds an encoded property block on the heap, for code where convenience matters more than allocation: the client
/// library, the CLI, tests. Hot paths write with <see cref="PropertyWriter"/> into a rented span instead.
/// </summary>
/// <example><code>
/// var props = new PropertyBuilder().AddUInt32(PropertyId.MessageExpiryInterval, 60).AddUserProperty("k", "v");
/// PublishPacket.Write(writer, ProtocolVersion.V500, header, topic, props.Span, payload);
/// </code></example>
public sealed class PropertyBuilder
{
    private byte[] _buffer = new byte[64];
    private int _length;

    /// <summary>The encoded properties so far (no block length prefix).</summary>
    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, _length);

    /// <summary>The encoded properties as memory (no block length prefix).</summary>
    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, _length);

    /// <summary>Adds a Byte property.</summary>
    public PropertyBuilder AddByte(PropertyId id, byte value)
    {
        Writer(PropertyWriter.SizeOfByte).WriteByte(id, value);
        return Advance(PropertyWriter.SizeOfByte);
    }

    /// <summary>Adds a Two Byte Integer property.</summary>
    public PropertyBuilder AddUInt16(PropertyId id, ushort value)
    {
        Writer(PropertyWriter.SizeOfUInt16).WriteUInt16(id, value);
        return Advance(PropertyWriter.SizeOfUInt16);
    }

    /// <summary>Adds a Four Byte Integer property.</summary>
    public PropertyBuilder AddUInt32(PropertyId id, uint value)
    {
        Writer(PropertyWriter.SizeOfUInt32).WriteUInt32(id, value);
        return Advance(PropertyWriter.SizeOfUInt32);
    }

    /// <summary>Adds a Variable Byte Integer property (Subscription Identifier).</summary>
    public PropertyBuilder AddVariableByteInteger(PropertyId id, int value)
    {
        int size = PropertyWriter.SizeOfVariableByteInteger(value);
        Writer(size).WriteVariableByteInteger(id, value);
        return Advance(size);
    }

    /// <summary>Adds a string property.</summary>
    public PropertyBuilder AddString(PropertyId id, string value)
    {
        int size = PropertyWriter.SizeOfString(value);
        Writer(size).WriteString(id, value);
        return Advance(size);
    }

    /// <summary>Adds a binary (or raw UTF-8 string) property.</summary>
    public PropertyBuilder AddBytes(PropertyId id, ReadOnlySpan<byte> value)
    {
        int size = PropertyWriter.SizeOfBytes(value.Length);
        Writer(size).WriteBytes(id, value);
        return Advance(size);
    }

    /// <summary>Adds a User Property; order is kept.</summary>
    public PropertyBuilder AddUserProperty(string name, string value)
    {
        int size = PropertyWriter.SizeOfUserProperty(Encoding.UTF8.GetByteCount(name), Encoding.UTF8.GetByteCount(value));
        Writer(size).WriteUserProperty(name, value);
        return Advance(size);
    }

    /// <summary>Removes all properties.</summary>
    public PropertyBuilder Clear()
    {
        _length = 0;
        return this;
    }

    private PropertyWriter Writer(int size)
    {
        if (_buffer.Length - _length < size)
        {
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + size));
        }

        return new PropertyWriter(_buffer.AsSpan(_length, size));
    }

    private PropertyBuilder Advance(int size)
    {
        _length += size;
        return this;
    }
}
