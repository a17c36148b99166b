using System.Numerics;

namespace Tern.Broker.Messages;

/// <summary>
/// The pool of one broker's <see cref="BrokerMessage"/> objects, and the accounting of the pooled byte buffers they
/// hold (message bodies and shared encodings, from free lists by power-of-two size). A routed message is
/// taken from here and comes back when its last reference is released, so a broker in steady state allocates no
/// message, no body and no encoding per PUBLISH.
/// </summary>
/// <remarks>
/// Thread-safety: messages are taken on publishers' read loops and returned on whichever thread releases the last
/// reference (a writer loop, a subscriber's PUBACK); one short lock guards the free list. The counters are for tests
/// and diagnostics: <see cref="OutstandingMessages"/> and <see cref="OutstandingBuffers"/> fall back to where they
/// started once every client is gone and every session has ended.
/// </remarks>
internal sealed class MessagePool
{
    /// <summary>Free messages kept; beyond that a returned message is left to the GC. 256 covers the messages in flight
    /// of a busy broker between two publishes (one per outbound item not yet written) without holding much memory when idle.</summary>
    public const int DefaultCapacity = 256;

    // Message bodies and encodings come from free lists of this pool, not from ArrayPool<byte>.Shared: the shared pool
    // keeps about 32 arrays per size per core, and a batch of 100 QoS 1 messages in flight holds 200 arrays of one size,
    // so the rest would be allocated again on every batch.
    private const int MinimumBufferShift = 6;
    private const int MinimumBufferSize = 1 << MinimumBufferShift;
    private const int BucketCount = 15; // 64 B .. 1 MiB
    private const int BucketBytes = 4 << 20;

    private readonly Stack<byte[]>[] _buffers = CreateBuckets();
    private readonly Lock _gate = new();
    private readonly BrokerMessage?[] _free;
    private int _count;
    private long _outstandingMessages;
    private long _outstandingBuffers;
    private long _pinned;

    public MessagePool(int capacity = DefaultCapacity)
    {
        _free = new BrokerMessage?[capacity];
    }

    /// <summary>Messages taken and not yet returned, not counting those pinned (which are never returned).</summary>
    public long OutstandingMessages => Interlocked.Read(ref _outstandingMessages);

    /// <summary>Pooled byte buffers rented by live, unpinned messages and not yet returned.</summary>
    public long OutstandingBuffers => Interlocked.Read(ref _outstandingBuffers);

    /// <summary>Messages pinned since the broker started (retained, or kept by the durable writer): left to the GC.</summary>
    public long Pinned => Interlocked.Read(ref _pinned);

    private static Stack<byte[]>[] CreateBuckets()
    {
        var buckets = new Stack<byte[]>[BucketCount];
        for (int i = 0; i < buckets.Length; i++)
        {
            buckets[i] = new Stack<byte[]>();
        }

        return buckets;
    }

    /// <summary>A message object to fill: a free one, or a new one while the pool is warming up.</summary>
    internal BrokerMessage Take()
    {
        Interlocked.Increment(ref _outstandingMessages);
        lock (_gate)
        {
            if (_count > 0)
            {
                var message = _free[--_count]!;
                _free[_count] = null;
                return message;
            }
        }

        return new BrokerMessage(this);
    }

    /// <summary>Takes back a message whose last reference was released; its buffers were already returned.</summary>
    internal void Return(BrokerMessage message)
    {
        Interlocked.Decrement(ref _outstandingMessages);
        lock (_gate)
        {
            if (_count < _free.Length)
            {
                _free[_count++] = message;
            }
        }
    }

    /// <summary>A pooled message was pinned, with <paramref name="buffers"/> buffers: it leaves the accounting for good.</summary>
    internal void OnPinned(int buffers)
    {
        Interlocked.Increment(ref _pinned);
        Interlocked.Decrement(ref _outstandingMessages);
        Interlocked.Add(ref _outstandingBuffers, -buffers);
    }

    internal byte[] RentBuffer(int length)
    {
        Interlocked.Increment(ref _outstandingBuffers);
        int bucket = BucketOf(length);
        if (bucket < 0)
        {
            return new byte[length];
        }

        var free = _buffers[bucket];
        lock (free)
        {
            if (free.Count > 0)
            {
                return free.Pop();
            }
        }

        return new byte[MinimumBufferSize << bucket];
    }

    internal void ReturnBuffer(byte[] buffer)
    {
        Interlocked.Decrement(ref _outstandingBuffers);
        int bucket = BucketOf(buffer.Length);
        if (bucket < 0 || buffer.Length != MinimumBufferSize << bucket)
        {
            return; // too large to keep: the GC takes it
        }

        var free = _buffers[bucket];
        lock (free)
        {
            // Each bucket keeps at most BucketBytes (and at least 16 arrays), so an idle broker holds little.
            if (free.Count < Math.Max(16, BucketBytes >> (MinimumBufferShift + bucket)))
            {
                free.Push(buffer);
            }
        }
    }

    // Powers of two from 64 B to 1 MiB; -1 above (such messages are rare, and keeping them would hold much memory).
    private static int BucketOf(int length)
    {
        if (length > MinimumBufferSize << (BucketCount - 1))
        {
            return -1;
        }

        int bucket = length <= MinimumBufferSize ? 0 : BitOperations.Log2((uint)(length - 1)) + 1 - MinimumBufferShift;
        return bucket;
    }

    /// <summary>A buffer of a message pinned after it was rented: it is no longer counted (the GC will take it).</summary>
    internal void ForgetBuffer() => Interlocked.Decrement(ref _outstandingBuffers);
}
