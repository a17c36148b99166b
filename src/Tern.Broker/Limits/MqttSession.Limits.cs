using Tern.Broker.Limits;

namespace Tern.Broker.Sessions;

/// <summary>The session's limits beyond the message count: queued bytes and subscriptions per client.</summary>
internal sealed partial class MqttSession
{
    private bool _queueBytesFullLogged;

    /// <summary>Bytes of the messages queued now.</summary>
    public long QueuedBytes
    {
        get
        {
            lock (_gate)
            {
                return _pending.Bytes;
            }
        }
    }

    /// <summary>Subscriptions held now.</summary>
    public int SubscriptionCount
    {
        get
        {
            lock (_gate)
            {
                return _subscriptions.Count;
            }
        }
    }

    /// <summary>
    /// Whether a subscription to <paramref name="topicFilter"/> fits within <paramref name="maxSubscriptions"/> (0: no
    /// limit). Replacing an existing subscription always fits: it does not add one.
    /// </summary>
    public bool CanAddSubscription(string topicFilter, int maxSubscriptions)
    {
        lock (_gate)
        {
            return maxSubscriptions <= 0 || _subscriptions.Count < maxSubscriptions || _subscriptions.ContainsKey(topicFilter);
        }
    }

    /// <summary>Like <see cref="MarkQueueFull"/>, for <see cref="BrokerOptions.MaxQueuedBytes"/>: true once per episode.</summary>
    public bool MarkQueueBytesFull()
    {
        lock (_gate)
        {
            if (_queueBytesFullLogged)
            {
                return false;
            }

            _queueBytesFullLogged = true;
            return true;
        }
    }

    /// <summary>
    /// Caller holds the lock and is about to queue <paramref name="delivery"/>. When that would pass
    /// <see cref="SessionLimits.MaxQueuedBytes"/>, applies the overflow policy and returns true with the outcome:
    /// DropNewest drops <paramref name="delivery"/>; DropOldest drops old messages until it fits, then queues it. A
    /// message larger than the whole limit is dropped under either policy.
    /// </summary>
    private bool OverflowsQueuedBytes(in Delivery delivery, out DeliveryOutcome outcome)
    {
        outcome = DeliveryOutcome.Queued;
        long max = _limits.MaxQueuedBytes;
        if (max <= 0)
        {
            return false;
        }

        int size = DeliveryQueue.SizeOf(delivery);
        if (_pending.Bytes + size <= max)
        {
            if (_queueBytesFullLogged && _pending.Bytes <= max / 2)
            {
                _queueBytesFullLogged = false;
            }

            return false;
        }

        outcome = DeliveryOutcome.DroppedQueueBytesFull;
        if (_limits.OverflowPolicy == QueueOverflowPolicy.DropNewest || size > max)
        {
            return true;
        }

        // DropOldest: each message removed is a drop of its own; the outcome returned stands for the last one.
        // Each message leaving the queue gives back the session's reference to it; the new one takes one.
        // (Removed first: the queue reads the message's size as it removes it.)
        var oldest = _pending.First!.Value;
        _pending.RemoveFirst();
        ReleaseHeld(oldest);
        while (_pending.Count > 0 && _pending.Bytes + size > max)
        {
            _limits.Dropped(this, DeliveryOutcome.DroppedQueueBytesFull);
            oldest = _pending.First!.Value;
            _pending.RemoveFirst();
            ReleaseHeld(oldest);
        }

        Hold(delivery);
        _pending.AddLast(delivery);
        return true;
    }
}
