using System.Buffers;

namespace Tern.Benchmarks.InProcess;

/// <summary>
/// The in-process pipes' memory: 4 KiB blocks kept on a free list of their own. Pipes on the default pool rent from
/// ArrayPool&lt;byte&gt;.Shared, which the rest of the process (other tests running in parallel) shares and can empty; a
/// block taken from there would then be allocated on the measured thread and fail the guard for a reason outside the broker.
/// </summary>
internal sealed class BlockPool : MemoryPool<byte>
{
    private const int BlockSize = 4096;
    private readonly Stack<Block> _free = new();

    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1)
    {
        if (minBufferSize > BlockSize)
        {
            throw new ArgumentOutOfRangeException(nameof(minBufferSize), minBufferSize, "Blocks are 4 KiB.");
        }

        lock (_free)
        {
            if (_free.Count > 0)
            {
                return _free.Pop();
            }
        }

        return new Block(this);
    }

    protected override void Dispose(bool disposing)
    {
    }

    private void Return(Block block)
    {
        lock (_free)
        {
            _free.Push(block);
        }
    }

    private sealed class Block(BlockPool pool) : IMemoryOwner<byte>
    {
        private readonly byte[] _bytes = new byte[BlockSize];

        public Memory<byte> Memory => _bytes;

        public void Dispose() => pool.Return(this);
    }
}
