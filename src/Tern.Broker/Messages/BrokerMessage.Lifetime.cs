using System.Diagnostics;

namespace Tern.Broker.Messages;

/// <summary>The reference count, pinning and pool return of a message (who holds references: docs/architecture.md, "Message lifetime").</summary>
internal sealed partial class BrokerMessage
{
    private int _refCount;
    private int _pinned;
    private int _generation;

    /// <summary>Bumped each time the message object goes back to its pool: a holder that captured an older value holds a stale reference.</summary>
    public int Generation => Volatile.Read(ref _generation);

    /// <summary>Never returned to the pool: made outside it, or pinned because something outside the reference count keeps it.</summary>
    public bool IsPinned => Volatile.Read(ref _pinned) != 0;

    /// <summary>Takes a reference. The caller must already hold one (or be the router holding the first).</summary>
    public void AddRef()
    {
        int count = Interlocked.Increment(ref _refCount);
        if (count <= 1 && !IsPinned)
        {
            throw new InvalidOperationException("A reference was taken to a message already returned to its pool.");
        }
    }

    /// <summary>Gives back a reference; the last one returns the message, its body and its encodings to the pool.</summary>
    public void Release()
    {
        int count = Interlocked.Decrement(ref _refCount);
        if (count > 0 || IsPinned)
        {
            return;
        }

        if (count < 0)
        {
            // Releasing twice would hand the same arrays to two future messages: one subscriber could read another's data.
            throw new InvalidOperationException("A message was released more times than it was referenced.");
        }

        ReturnToPool();
    }

    /// <summary>
    /// Takes the message out of the reference-counted life for good: it is never returned to the pool and its buffers
    /// are left to the GC. For holders that do not count references: the retained store (a retained message may be
    /// served for days) and the durable writer (which reads the message on its own thread, after the fact).
    /// </summary>
    public void Pin()
    {
        if (_pool is null || Interlocked.Exchange(ref _pinned, 1) != 0)
        {
            return;
        }

        int buffers = 0;
        lock (_encodingGate)
        {
            if (_pooledBuffer)
            {
                _pooledBuffer = false;
                buffers++;
            }

            if (_encodings is { } encodings)
            {
                foreach (var encoded in encodings)
                {
                    if (encoded is not null && encoded.Unpool())
                    {
                        buffers++;
                    }
                }
            }
        }

        _pool.OnPinned(buffers);
    }

    /// <summary>Throws (debug builds) when a message is read after its last reference was released.</summary>
    [Conditional("DEBUG")]
    public void AssertLive()
    {
        if (Volatile.Read(ref _refCount) <= 0 && !IsPinned)
        {
            throw new InvalidOperationException("A message was read after it was returned to its pool.");
        }
    }

    /// <summary>Throws (debug builds) when a holder's reference, captured at <paramref name="generation"/>, is stale.</summary>
    [Conditional("DEBUG")]
    public void AssertLive(int generation)
    {
        AssertLive();
        if (generation != Generation)
        {
            throw new InvalidOperationException($"A message of generation {generation} was read after it was returned to its pool (now generation {Generation}).");
        }
    }

    // The router's reference of a message just taken from the pool.
    private void Revive() => Volatile.Write(ref _refCount, 1);

    private void ReturnToPool()
    {
        var pool = _pool!;
        lock (_encodingGate)
        {
            if (_encodings is { } encodings)
            {
                foreach (var encoded in encodings)
                {
                    encoded?.Reset(pool);
                }
            }

            _built = 0;
            if (_pooledBuffer)
            {
                pool.ReturnBuffer(_buffer);
            }

            _buffer = [];
            _pooledBuffer = false;
            _length = _topicLength = _propertiesLength = 0;
            PublisherClientId = null;
            Interlocked.Increment(ref _generation);
        }

        pool.Return(this);
    }
}
