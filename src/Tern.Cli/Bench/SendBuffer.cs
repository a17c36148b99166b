using System.Buffers;

namespace Tern.Cli.Bench;

/// <summary>
/// A pooled, growable output buffer for one connection: packets are encoded into it back to back and the whole batch
/// goes out in one socket write, so a publisher makes one system call per batch instead of one per message.
/// </summary>
/// <remarks>Not thread-safe: one connection loop owns it.</remarks>
internal sealed class SendBuffer : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer;
    private int _written;

    public SendBuffer(int initialSize)
    {
        _buffer = ArrayPool<byte>.Shared.Rent(initialSize);
    }

    /// <summary>Bytes written and not yet sent.</summary>
    public int Length => _written;

    /// <summary>Room left before the buffer must grow.</summary>
    public int Free => _buffer.Length - _written;

    /// <summary>The batch to send.</summary>
    public ReadOnlyMemory<byte> Written => _buffer.AsMemory(0, _written);

    /// <summary>Forgets the batch once it is sent.</summary>
    public void Clear() => _written = 0;

    public void Advance(int count) => _written += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsMemory(_written);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _buffer.AsSpan(_written);
    }

    /// <summary>Grows the buffer to hold at least <paramref name="capacity"/> bytes, keeping what was written.</summary>
    public void EnsureCapacity(int capacity)
    {
        if (_buffer.Length < capacity)
        {
            Ensure(capacity - _written);
        }
    }

    public void Dispose()
    {
        var buffer = _buffer;
        _buffer = [];
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void Ensure(int sizeHint)
    {
        int needed = Math.Max(sizeHint, 1);
        if (_buffer.Length - _written >= needed)
        {
            return;
        }

        var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, _written + needed));
        _buffer.AsSpan(0, _written).CopyTo(larger);
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = larger;
    }
}
