using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Tern.Protocol;

/// <summary>Size arithmetic shared by the encoders, and the checks that keep an encoder from producing an invalid packet.</summary>
internal static class PacketSize
{
    /// <summary>The largest UTF-8 string or binary field: its length prefix is 2 bytes.</summary>
    public const int MaxFieldLength = ushort.MaxValue;

    /// <summary>Bytes of a length-prefixed field.</summary>
    public static int LengthPrefixed(int length)
    {
        if ((uint)length > MaxFieldLength)
        {
            ThrowFieldTooLong(length);
        }

        return 2 + length;
    }

    /// <summary>Bytes of a UTF-8 Encoded String holding <paramref name="value"/>.</summary>
    public static int String(string value) => LengthPrefixed(Encoding.UTF8.GetByteCount(value));

    /// <summary>The whole packet's size for a remaining length: first byte, length bytes, body.</summary>
    public static int Total(int remainingLength)
    {
        if ((uint)remainingLength > VariableByteInteger.MaxValue)
        {
            ThrowPacketTooLong(remainingLength);
        }

        return 1 + VariableByteInteger.GetSize(remainingLength) + remainingLength;
    }

    /// <summary>Bytes of a property block: its length prefix and the properties.</summary>
    public static int PropertyBlock(int propertiesLength) => VariableByteInteger.GetSize(propertiesLength) + propertiesLength;

    /// <summary>Rents exactly <paramref name="size"/> bytes from the writer.</summary>
    public static Span<byte> Rent(IBufferWriter<byte> writer, int size) => writer.GetSpan(size)[..size];

    /// <summary>Whether the destination can hold the packet; encoders check this before writing a byte.</summary>
    public static bool Fits(Span<byte> destination, int size) => destination.Length >= size;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowFieldTooLong(int length) =>
        throw new ArgumentException($"A string or binary field holds at most {MaxFieldLength} bytes; this one has {length}.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPacketTooLong(int length) =>
        throw new ArgumentException($"A packet's remaining length is at most {VariableByteInteger.MaxValue}; this one would be {length}.");
}
