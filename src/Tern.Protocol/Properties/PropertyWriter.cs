using System.Buffers.Binary;
using System.Text;

namespace Tern.Protocol.Properties;

/// <summary>
/// Writes MQTT 5.0 properties (identifier and value, no block length) into a span. Size each property first with the
/// <c>SizeOf...</c> methods so the caller can rent exactly what the packet needs. The writer does not check contexts or
/// duplicates: it writes what it is told, and the encoders' callers are trusted code.
/// </summary>
public ref struct PropertyWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    /// <summary>Creates a writer over <paramref name="buffer"/>.</summary>
    public PropertyWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes written so far.</summary>
    public readonly int BytesWritten => _position;

    /// <summary>Size of a Byte property.</summary>
    public const int SizeOfByte = 2;

    /// <summary>Size of a Two Byte Integer property.</summary>
    public const int SizeOfUInt16 = 3;

    /// <summary>Size of a Four Byte Integer property.</summary>
    public const int SizeOfUInt32 = 5;

    /// <summary>Size of a Variable Byte Integer property.</summary>
    public static int SizeOfVariableByteInteger(int value) => 1 + VariableByteInteger.GetSize(value);

    /// <summary>Size of a string or binary property of <paramref name="length"/> bytes.</summary>
    public static int SizeOfBytes(int length) => 1 + PacketSize.LengthPrefixed(length);

    /// <summary>Size of a string property holding <paramref name="value"/>.</summary>
    public static int SizeOfString(string value) => 1 + PacketSize.String(value);

    /// <summary>Size of a User Property.</summary>
    public static int SizeOfUserProperty(int nameLength, int valueLength) => 1 + PacketSize.LengthPrefixed(nameLength) + PacketSize.LengthPrefixed(valueLength);

    /// <summary>Writes a Byte property.</summary>
    public void WriteByte(PropertyId id, byte value)
    {
        _buffer[_position++] = (byte)id;
        _buffer[_position++] = value;
    }

    /// <summary>Writes a Two Byte Integer property.</summary>
    public void WriteUInt16(PropertyId id, ushort value)
    {
        _buffer[_position++] = (byte)id;
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    /// <summary>Writes a Four Byte Integer property.</summary>
    public void WriteUInt32(PropertyId id, uint value)
    {
        _buffer[_position++] = (byte)id;
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    /// <summary>Writes a Variable Byte Integer property (Subscription Identifier).</summary>
    public void WriteVariableByteInteger(PropertyId id, int value)
    {
        _buffer[_position++] = (byte)id;
        _position += VariableByteInteger.Write(_buffer[_position..], value);
    }

    /// <summary>Writes a string or binary property from bytes.</summary>
    public void WriteBytes(PropertyId id, ReadOnlySpan<byte> value)
    {
        _buffer[_position++] = (byte)id;
        WriteLengthPrefixed(value);
    }

    /// <summary>Writes a string property from a .NET string.</summary>
    public void WriteString(PropertyId id, string value)
    {
        _buffer[_position++] = (byte)id;
        WriteUtf8(value);
    }

    /// <summary>Writes a User Property from bytes.</summary>
    public void WriteUserProperty(ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        _buffer[_position++] = (byte)PropertyId.UserProperty;
        WriteLengthPrefixed(name);
        WriteLengthPrefixed(value);
    }

    /// <summary>Writes a User Property from strings.</summary>
    public void WriteUserProperty(string name, string value)
    {
        _buffer[_position++] = (byte)PropertyId.UserProperty;
        WriteUtf8(name);
        WriteUtf8(value);
    }

    /// <summary>Copies already encoded properties (for forwarding).</summary>
    public void WriteRaw(ReadOnlySpan<byte> encoded)
    {
        encoded.CopyTo(_buffer[_position..]);
        _position += encoded.Length;
    }

    private void WriteLengthPrefixed(ReadOnlySpan<byte> value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)value.Length);
        value.CopyTo(_buffer[(_position + 2)..]);
        _position += 2 + value.Length;
    }

    private void WriteUtf8(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 2)..]);
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], (ushort)length);
        _position += 2 + length;
    }
}
