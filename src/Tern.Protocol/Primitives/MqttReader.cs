using System.Buffers;
using System.Buffers.Binary;

namespace Tern.Protocol;

/// <summary>
/// A forward-only reader over the bytes of one packet body. Every read checks the bounds first and reports a short
/// buffer as <c>false</c>, so a decoder can never read past the packet whatever its length fields claim.
/// Not thread-safe: one reader, one packet.
/// </summary>
internal ref struct MqttReader
{
    private readonly ReadOnlySpan<byte> _buffer;
    private int _position;

    public MqttReader(ReadOnlySpan<byte> buffer)
    {
        _buffer = buffer;
        _position = 0;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly int Remaining => _buffer.Length - _position;

    /// <summary>Bytes read so far.</summary>
    public readonly int Position => _position;

    /// <summary>True when every byte has been read.</summary>
    public readonly bool End => _position >= _buffer.Length;

    public bool TryReadByte(out byte value)
    {
        if (_position < _buffer.Length)
        {
            value = _buffer[_position++];
            return true;
        }

        value = 0;
        return false;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (BinaryPrimitives.TryReadUInt16BigEndian(_buffer[_position..], out value))
        {
            _position += 2;
            return true;
        }

        return false;
    }

    public bool TryReadUInt32(out uint value)
    {
        if (BinaryPrimitives.TryReadUInt32BigEndian(_buffer[_position..], out value))
        {
            _position += 4;
            return true;
        }

        return false;
    }

    /// <summary>Reads a variable byte integer; <see cref="OperationStatus.NeedMoreData"/> means the packet ended inside it.</summary>
    public OperationStatus TryReadVariableByteInteger(out int value)
    {
        var status = VariableByteInteger.TryRead(_buffer[_position..], out value, out int consumed);
        if (status == OperationStatus.Done)
        {
            _position += consumed;
        }

        return status;
    }

    /// <summary>Reads a 2-byte length and that many bytes (Binary Data, or the bytes of a UTF-8 Encoded String).</summary>
    public bool TryReadLengthPrefixed(out ReadOnlySpan<byte> value)
    {
        if (BinaryPrimitives.TryReadUInt16BigEndian(_buffer[_position..], out ushort length) && _buffer.Length - _position - 2 >= length)
        {
            value = _buffer.Slice(_position + 2, length);
            _position += 2 + length;
            return true;
        }

        value = default;
        return false;
    }

    public bool TryReadBytes(int count, out ReadOnlySpan<byte> value)
    {
        if ((uint)count <= (uint)(_buffer.Length - _position))
        {
            value = _buffer.Slice(_position, count);
            _position += count;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>The rest of the packet (a payload).</summary>
    public ReadOnlySpan<byte> ReadToEnd()
    {
        var rest = _buffer[_position..];
        _position = _buffer.Length;
        return rest;
    }
}
