using System.Collections;
using Tern.Broker.Sessions;

namespace Tern.Broker.Limits;

/// <summary>
/// A session's queue of undelivered messages: a linked list (removal from the middle, for shared subscriptions that
/// hand messages back) that also counts the bytes it holds, for <see cref="BrokerOptions.MaxQueuedBytes"/>. Not
/// thread-safe: the session's lock guards it.
/// </summary>
internal sealed class DeliveryQueue : IEnumerable<Delivery>
{
    private readonly LinkedList<Delivery> _items = new();

    /// <summary>Messages queued.</summary>
    public int Count => _items.Count;

    /// <summary>Bytes queued: topic, properties and payload of each message.</summary>
    public long Bytes { get; private set; }

    /// <summary>The oldest message, or null when empty.</summary>
    public LinkedListNode<Delivery>? First => _items.First;

    /// <summary>The bytes a message costs while queued.</summary>
    public static int SizeOf(in Delivery delivery) =>
        delivery.Message.Topic.Length + delivery.Message.Properties.Length + delivery.Message.PayloadLength;

    public void AddLast(in Delivery delivery)
    {
        _items.AddLast(delivery);
        Bytes += SizeOf(delivery);
    }

    public void RemoveFirst()
    {
        Bytes -= SizeOf(_items.First!.Value);
        _items.RemoveFirst();
    }

    public void Remove(LinkedListNode<Delivery> node)
    {
        Bytes -= SizeOf(node.Value);
        _items.Remove(node);
    }

    public void Clear()
    {
        _items.Clear();
        Bytes = 0;
    }

    /// <summary>Enumerates oldest first, without allocating.</summary>
    public LinkedList<Delivery>.Enumerator GetEnumerator() => _items.GetEnumerator();

    IEnumerator<Delivery> IEnumerable<Delivery>.GetEnumerator() => GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
