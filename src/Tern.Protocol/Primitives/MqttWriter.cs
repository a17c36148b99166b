using System.Buffers.Binary;
using System.Text;

namespace Tern.Protocol;

/// <summary>
/// Writes MQTT primitives into a span that the caller sized beforehand with the packet's exact length, which is what
/// makes every encoder all-or-nothing: the size is computed first, then the bytes are written, never half a packet.
/// </summary>
internal ref struct MqttWriter
{
    private readonly Span<byte> _buffer;
    private int _position;

    public MqttWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    public readonly int Position => _position;

    public void WriteByte(byte value) => _buffer[_position++] = value;

    public void WriteUInt16(ushort value)
    {
        BinaryPrimitives.WriteUInt16BigEndian(_buffer[_position..], value);
        _position += 2;
    }

    public void WriteUInt32(uint value)
    {
        BinaryPrimitives.WriteUInt32BigEndian(_buffer[_position..], value);
        _position += 4;
    }

    public void WriteVariableByteInteger(int value) => _position += VariableByteInteger.Write(_buffer[_position..], value);

    /// <summary>Writes a fixed header: first byte and remaining length.</summary>
    public void WriteFixedHeader(byte firstByte, int remainingLength)
    {
        WriteByte(firstByte);
        WriteVariableByteInteger(remainingLength);
    }

    public void WriteBytes(ReadOnlySpan<byte> value)
    {
        value.CopyTo(_buffer[_position..]);
        _position += value.Length;
    }

    /// <summary>Writes a 2-byte length prefix and the bytes.</summary>
    public void WriteLengthPrefixed(ReadOnlySpan<byte> value)
    {
        WriteUInt16((ushort)value.Length);
        WriteBytes(value);
    }

    /// <summary>Writes a UTF-8 Encoded String from a .NET string: length prefix and UTF-8 bytes.</summary>
    public void WriteString(string value)
    {
        int length = Encoding.UTF8.GetBytes(value, _buffer[(_position + 2)..]);
        WriteUInt16((ushort)length);
        _position += length;
    }
}
