using System.Buffers;

namespace Tern.Protocol.Tests.Support;

/// <summary>Builds multi-segment sequences, as a pipe hands them out when packets straddle buffers.</summary>
internal static class Segments
{
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(parts[0]);
        }

        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits a buffer at the given offsets.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] offsets)
    {
        var parts = new List<byte[]>();
        int start = 0;
        foreach (int offset in offsets.Where(o => o > 0 && o < bytes.Length).Order())
        {
            parts.Add(bytes[start..offset]);
            start = offset;
        }

        parts.Add(bytes[start..]);
        return Of([.. parts]);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
