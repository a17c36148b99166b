using System.Buffers;
using System.Runtime.CompilerServices;

namespace Tern.Protocol;

/// <summary>
/// The Variable Byte Integer of MQTT (3.1.1 §2.2.3, 5.0 §1.5.5): 7 bits a byte, least significant first, the high bit
/// saying "more follows", at most 4 bytes, so at most 268,435,455.
/// </summary>
public static class VariableByteInteger
{
    /// <summary>The largest value that fits in 4 bytes: 0x0FFFFFFF = 268,435,455.</summary>
    public const int MaxValue = 268_435_455;

    /// <summary>The most bytes an encoding may take.</summary>
    public const int MaxLength = 4;

    /// <summary>How many bytes <paramref name="value"/> takes on the wire (1 to 4).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int GetSize(int value) => value switch
    {
        < 128 => 1,
        < 16_384 => 2,
        < 2_097_152 => 3,
        _ => 4,
    };

    /// <summary>
    /// Reads a variable byte integer from the start of <paramref name="source"/>.
    /// Returns <see cref="OperationStatus.Done"/>, <see cref="OperationStatus.NeedMoreData"/> when the encoding is cut
    /// short, or <see cref="OperationStatus.InvalidData"/> when a fifth byte would be needed or the encoding is not the
    /// minimal one ([MQTT-1.5.5-1] in 5.0: "encoded using the minimum number of bytes"; Tern is strict in every version).
    /// </summary>
    public static OperationStatus TryRead(ReadOnlySpan<byte> source, out int value, out int bytesConsumed)
    {
        int result = 0;
        for (int i = 0; i < MaxLength; i++)
        {
            if (i >= source.Length)
            {
                value = 0;
                bytesConsumed = 0;
                return OperationStatus.NeedMoreData;
            }

            byte b = source[i];
            result |= (b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0)
            {
                // A trailing zero byte after the first one means the same value fitted in fewer bytes.
                if (b == 0 && i > 0)
                {
                    value = 0;
                    bytesConsumed = i + 1;
                    return OperationStatus.InvalidData;
                }

                value = result;
                bytesConsumed = i + 1;
                return OperationStatus.Done;
            }
        }

        value = 0;
        bytesConsumed = MaxLength + 1;
        return OperationStatus.InvalidData;
    }

    /// <summary>Reads a variable byte integer from the start of a sequence, without copying it.</summary>
    public static OperationStatus TryRead(in ReadOnlySequence<byte> source, out int value, out int bytesConsumed)
    {
        if (source.IsSingleSegment || source.FirstSpan.Length >= MaxLength)
        {
            return TryRead(source.FirstSpan, out value, out bytesConsumed);
        }

        Span<byte> scratch = stackalloc byte[MaxLength];
        var slice = source.Length > MaxLength ? source.Slice(0, MaxLength) : source;
        slice.CopyTo(scratch);
        return TryRead(scratch[..(int)slice.Length], out value, out bytesConsumed);
    }

    /// <summary>Writes <paramref name="value"/> at the start of <paramref name="destination"/> and returns the bytes written.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is negative or above <see cref="MaxValue"/>: a caller bug, never wire data.</exception>
    public static int Write(Span<byte> destination, int value)
    {
        if ((uint)value > MaxValue)
        {
            ThrowOutOfRange(value);
        }

        int i = 0;
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value > 0)
            {
                b |= 0x80;
            }

            destination[i++] = b;
        }
        while (value > 0);
        return i;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowOutOfRange(int value) =>
        throw new ArgumentOutOfRangeException(nameof(value), value, $"A variable byte integer holds 0 to {MaxValue}.");
}
