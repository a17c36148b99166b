using System.Collections;
using Tern.Broker.Persistence;
using Tern.Broker.Sessions;

namespace Tern.Broker.Limits;

/// <summary>
/// A session's queue of undelivered messages, in two parts: the oldest held in memory (a linked list, for removal
/// from the middle by shared subscriptions that hand messages back), then, for a persistent session whose queue grew
/// past <see cref="PersistenceOptions.MaxCachedMessagesPerSession"/>, messages kept only in the durable store, of which
/// memory holds the key and size (paged back in, in order, by the session). <see cref="Count"/> and
/// <see cref="Bytes"/> cover both parts, for <see cref="BrokerOptions.MaxQueuedMessages"/> and
/// <see cref="BrokerOptions.MaxQueuedBytes"/>. Not thread-safe: the session's lock guards it.
/// </summary>
internal sealed class DeliveryQueue : IEnumerable<Delivery>
{
    private readonly LinkedList<Delivery> _items = new();
    private Queue<StoredQueueEntry>? _stored;

    /// <summary>Messages queued, in memory and in the store.</summary>
    public int Count => _items.Count + StoredCount;

    /// <summary>Messages queued and held in memory.</summary>
    public int CachedCount => _items.Count;

    /// <summary>Messages queued after those in memory and kept only in the store.</summary>
    public int StoredCount => _stored?.Count ?? 0;

    /// <summary>Bytes queued: topic, properties and payload of each message, in memory or in the store.</summary>
    public long Bytes { get; private set; }

    /// <summary>The oldest message held in memory, or null when none is (the store may still hold some: <see cref="StoredCount"/>).</summary>
    public LinkedListNode<Delivery>? First => _items.First;

    /// <summary>The store key of the newest message kept only in the store; 0 when there is none.</summary>
    public long LastStoredId { get; private set; }

    /// <summary>The bytes a message costs while queued.</summary>
    public static int SizeOf(in Delivery delivery) =>
        delivery.Message.Topic.Length + delivery.Message.Properties.Length + delivery.Message.PayloadLength;

    /// <summary>Adds a message to the memory part; only while nothing is kept in the store, or to page one back in.</summary>
    public void AddLast(in Delivery delivery)
    {
        _items.AddLast(delivery);
        Bytes += SizeOf(delivery);
    }

    /// <summary>Adds a message kept only in the store (its queueing is recorded by the caller).</summary>
    public void AddStored(StoredQueueEntry entry)
    {
        (_stored ??= new Queue<StoredQueueEntry>()).Enqueue(entry);
        Bytes += entry.Size;
        LastStoredId = entry.StoreId;
    }

    /// <summary>The oldest message kept only in the store.</summary>
    public bool TryPeekStored(out StoredQueueEntry entry)
    {
        entry = default;
        return _stored is not null && _stored.TryPeek(out entry);
    }

    /// <summary>Takes the oldest message kept only in the store off the queue (paged in, or gone from the store).</summary>
    public StoredQueueEntry RemoveFirstStored()
    {
        var entry = _stored!.Dequeue();
        Bytes -= entry.Size;
        if (_stored.Count == 0)
        {
            LastStoredId = 0;
        }

        return entry;
    }

    /// <summary>Removes the oldest message, in memory or else in the store, and returns its store key (0: not stored).</summary>
    public long RemoveFirst()
    {
        if (_items.First is { } first)
        {
            long storeId = first.Value.StoreId;
            Bytes -= SizeOf(first.Value);
            _items.RemoveFirst();
            return storeId;
        }

        return RemoveFirstStored().StoreId;
    }

    public void Remove(LinkedListNode<Delivery> node)
    {
        Bytes -= SizeOf(node.Value);
        _items.Remove(node);
    }

    public void Clear()
    {
        _items.Clear();
        _stored = null;
        LastStoredId = 0;
        Bytes = 0;
    }

    /// <summary>Enumerates the messages in memory, oldest first, without allocating.</summary>
    public LinkedList<Delivery>.Enumerator GetEnumerator() => _items.GetEnumerator();

    IEnumerator<Delivery> IEnumerable<Delivery>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
