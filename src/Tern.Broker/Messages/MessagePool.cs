using System.Numerics;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Messages;

/// <summary>
/// The pool of one broker's <see cref="BrokerMessage"/> objects, and the accounting of the pooled byte buffers they
/// hold (message bodies and shared encodings, from free lists by power-of-two size). A routed message is
/// taken from here and comes back when its last reference is released, so a broker in steady state allocates no
/// message, no body and no encoding per PUBLISH.
/// </summary>
/// <remarks>
/// <para>Thread-safety: messages are taken on publishers' read loops and returned on whichever thread releases the last
/// reference (a writer loop, a subscriber's PUBACK). The free lists are striped by core, as
/// <c>ArrayPool&lt;byte&gt;.Shared</c> does: a thread uses the stripe of the core it runs on, under that stripe's short
/// lock, and takes from another stripe only when its own is empty. With one shared list the lock and the counters moved
/// between cores on every PUBLISH and two cores routed less than one (docs/benchmarks.md, "Cores").</para>
/// <para>The counters are for tests and diagnostics: <see cref="OutstandingMessages"/> and
/// <see cref="OutstandingBuffers"/> fall back to where they started once every client is gone and every session has
/// ended.</para>
/// </remarks>
internal sealed class MessagePool
{
    /// <summary>Free messages kept per stripe; beyond that a returned message is left to the GC. 256 covers the messages
    /// in flight of a busy broker between two publishes (one per outbound item not yet written) without holding much
    /// memory when idle.</summary>
    public const int DefaultCapacity = 256;

    // Message bodies and encodings come from free lists of this pool, not from ArrayPool<byte>.Shared: the shared pool
    // keeps about 32 arrays per size per core, and a batch of 100 QoS 1 messages in flight holds 200 arrays of one size,
    // so the rest would be allocated again on every batch.
    private const int MinimumBufferShift = 6;
    private const int MinimumBufferSize = 1 << MinimumBufferShift;
    private const int BucketCount = 15; // 64 B .. 1 MiB
    private const int BucketBytes = 4 << 20;
    private const int InitialBuffersPerBucket = 256;

    private readonly Stripe[] _stripes;
    private readonly int _mask;
    private readonly StripedCounter _outstandingMessages = new();
    private readonly StripedCounter _outstandingBuffers = new();
    private long _pinned;

    public MessagePool(int capacity = DefaultCapacity)
    {
        int stripes = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Clamp(Environment.ProcessorCount, 1, 64));
        _stripes = new Stripe[stripes];
        for (int i = 0; i < stripes; i++)
        {
            _stripes[i] = new Stripe(capacity);
        }

        _mask = stripes - 1;
    }

    /// <summary>Messages taken and not yet returned, not counting those pinned (which are never returned).</summary>
    public long OutstandingMessages => _outstandingMessages.Value;

    /// <summary>Pooled byte buffers rented by live, unpinned messages and not yet returned.</summary>
    public long OutstandingBuffers => _outstandingBuffers.Value;

    /// <summary>Messages pinned since the broker started (retained, or kept by the durable writer): left to the GC.</summary>
    public long Pinned => Interlocked.Read(ref _pinned);

    /// <summary>A message object to fill: a free one (this core's, else another's), or a new one while the pool warms up.</summary>
    internal BrokerMessage Take()
    {
        _outstandingMessages.Increment();
        int home = Thread.GetCurrentProcessorId() & _mask;
        for (int i = 0; i < _stripes.Length; i++)
        {
            if (_stripes[(home + i) & _mask].TryTake() is { } message)
            {
                return message;
            }
        }

        return new BrokerMessage(this);
    }

    /// <summary>Takes back a message whose last reference was released; its buffers were already returned.</summary>
    internal void Return(BrokerMessage message)
    {
        _outstandingMessages.Decrement();
        _stripes[Thread.GetCurrentProcessorId() & _mask].Return(message);
    }

    /// <summary>A pooled message was pinned, with <paramref name="buffers"/> buffers: it leaves the accounting for good.</summary>
    internal void OnPinned(int buffers)
    {
        Interlocked.Increment(ref _pinned);
        _outstandingMessages.Decrement();
        _outstandingBuffers.Add(-buffers);
    }

    internal byte[] RentBuffer(int length)
    {
        _outstandingBuffers.Increment();
        int bucket = BucketOf(length);
        if (bucket < 0)
        {
            return new byte[length];
        }

        int home = Thread.GetCurrentProcessorId() & _mask;
        for (int i = 0; i < _stripes.Length; i++)
        {
            if (_stripes[(home + i) & _mask].TryRent(bucket) is { } buffer)
            {
                return buffer;
            }
        }

        return new byte[MinimumBufferSize << bucket];
    }

    internal void ReturnBuffer(byte[] buffer)
    {
        _outstandingBuffers.Decrement();
        int bucket = BucketOf(buffer.Length);
        if (bucket < 0 || buffer.Length != MinimumBufferSize << bucket)
        {
            return; // too large to keep: the GC takes it
        }

        _stripes[Thread.GetCurrentProcessorId() & _mask].Return(bucket, buffer);
    }

    /// <summary>A buffer of a message pinned after it was rented: it is no longer counted (the GC will take it).</summary>
    internal void ForgetBuffer() => _outstandingBuffers.Decrement();

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

    /// <summary>The free messages and buffers of one core, each list under its own lock.</summary>
    private sealed class Stripe
    {
        private readonly Lock _gate = new();
        private readonly BrokerMessage?[] _free;
        private readonly Stack<byte[]>[] _buffers;
        private int _count;

        public Stripe(int capacity)
        {
            _free = new BrokerMessage?[capacity];
            _buffers = new Stack<byte[]>[BucketCount];
            for (int i = 0; i < _buffers.Length; i++)
            {
                // Sized for a batch of 100 QoS 1 messages in flight (a body and an encoding each, often of one size):
                // a list that grows while the broker runs allocates, and with stripes each core's lists fill in turn
                // as threads move between cores.
                _buffers[i] = new Stack<byte[]>(InitialBuffersPerBucket);
            }
        }

        public BrokerMessage? TryTake()
        {
            lock (_gate)
            {
                if (_count == 0)
                {
                    return null;
                }

                var message = _free[--_count]!;
                _free[_count] = null;
                return message;
            }
        }

        public void Return(BrokerMessage message)
        {
            lock (_gate)
            {
                if (_count < _free.Length)
                {
                    _free[_count++] = message;
                }
            }
        }

        public byte[]? TryRent(int bucket)
        {
            var free = _buffers[bucket];
            lock (free)
            {
                return free.Count > 0 ? free.Pop() : null;
            }
        }

        public void Return(int bucket, byte[] buffer)
        {
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
    }
}
