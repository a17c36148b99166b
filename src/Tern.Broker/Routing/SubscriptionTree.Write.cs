namespace Tern.Broker.Routing;

public sealed partial class SubscriptionTree<TSubscriber>
{
    // Serializes writers; readers never take it.
    private readonly Lock _writeLock = new();
    private readonly Dictionary<TSubscriber, SubscriberSubscriptions<TSubscriber>> _bySubscriber = new(ReferenceEqualityComparer.Instance);
    private readonly List<SubscriptionKey<TSubscriber>> _removalScratch = [];

    /// <summary>
    /// Adds a subscription, or replaces the subscriber's subscription with an identical filter: "completely replaces
    /// that existing Subscription with a new Subscription" (3.1.1 and 5.0 MQTT-3.8.4-3). A filter of the form
    /// <c>$share/{ShareName}/{filter}</c> makes the subscriber a member of that Shared Subscription group; a session's
    /// shared and non-shared subscriptions to the same filter are independent.
    /// </summary>
    /// <param name="topicFilter">The Topic Filter as received, already validated by the broker.</param>
    /// <param name="subscriber">The subscriber (session).</param>
    /// <param name="options">The granted QoS and subscription options.</param>
    /// <returns>True if an existing subscription of this subscriber to this exact filter was replaced.</returns>
    /// <exception cref="ArgumentException">
    /// The filter is empty, has a wildcard that is not a whole level or a <c>#</c> that is not last, or is a malformed
    /// <c>$share/</c> filter: the broker must reject these before calling the tree.
    /// </exception>
    /// <exception cref="ArgumentOutOfRangeException">The granted QoS is not 0, 1 or 2, or the Subscription Identifier is out of range.</exception>
    public bool Subscribe(ReadOnlySpan<byte> topicFilter, TSubscriber subscriber, in SubscriptionEntryOptions options)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        ArgumentOutOfRangeException.ThrowIfGreaterThan((byte)options.GrantedQoS, (byte)2, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.SubscriptionIdentifier, nameof(options));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(options.SubscriptionIdentifier, SubscriptionEntryOptions.MaxSubscriptionIdentifier, nameof(options));
        bool shared = TopicFilterShape.TrySplitShared(topicFilter, out var shareName, out var filter);
        TopicFilterShape.ThrowIfMalformed(filter);

        lock (_writeLock)
        {
            int created = 0;
            var node = _root;
            foreach (var level in new TopicLevels(filter))
            {
                node = node.GetOrAddChild(level, ref created);
            }

            Volatile.Write(ref _nodeCount, _nodeCount + created);

            bool replaced;
            SharedSubscriptionGroup<TSubscriber>? group = null;
            if (shared)
            {
                group = node.FindGroup(shareName);
                if (group is null)
                {
                    // Populated before it is published, so no reader sees an empty group.
                    group = new SharedSubscriptionGroup<TSubscriber>(shareName, filter);
                    group.Set(subscriber, options);
                    node.AddGroup(group);
                    replaced = false;
                }
                else
                {
                    replaced = group.Set(subscriber, options);
                }
            }
            else
            {
                replaced = node.SetSubscription(subscriber, options);
            }

            if (!replaced)
            {
                if (!_bySubscriber.TryGetValue(subscriber, out var subscriptions))
                {
                    subscriptions = new SubscriberSubscriptions<TSubscriber>();
                    _bySubscriber.Add(subscriber, subscriptions);
                    Volatile.Write(ref _subscriberCount, _bySubscriber.Count);
                }

                subscriptions.Add(new SubscriptionKey<TSubscriber>(node, group));
                Volatile.Write(ref _count, _count + 1);
            }

            return replaced;
        }
    }

    /// <summary>
    /// Removes the subscriber's subscription whose filter is exactly <paramref name="topicFilter"/> (filters compare
    /// byte for byte, wildcards included: 3.1.1 MQTT-3.10.4-1), then removes the trie nodes left empty so the tree
    /// shrinks back.
    /// </summary>
    /// <returns>True if the subscription existed.</returns>
    /// <exception cref="ArgumentException">As for <see cref="Subscribe"/>.</exception>
    public bool Unsubscribe(ReadOnlySpan<byte> topicFilter, TSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        bool shared = TopicFilterShape.TrySplitShared(topicFilter, out var shareName, out var filter);
        TopicFilterShape.ThrowIfMalformed(filter);

        lock (_writeLock)
        {
            var node = _root;
            foreach (var level in new TopicLevels(filter))
            {
                node = node.GetChildForFilterLevel(level);
                if (node is null)
                {
                    return false;
                }
            }

            SharedSubscriptionGroup<TSubscriber>? group = null;
            if (shared)
            {
                group = node.FindGroup(shareName);
                if (group is null)
                {
                    return false;
                }
            }

            var key = new SubscriptionKey<TSubscriber>(node, group);
            if (!RemoveFromNode(key, subscriber))
            {
                return false;
            }

            if (_bySubscriber.TryGetValue(subscriber, out var subscriptions))
            {
                subscriptions.Remove(key);
                if (subscriptions.Count == 0)
                {
                    _bySubscriber.Remove(subscriber);
                    Volatile.Write(ref _subscriberCount, _bySubscriber.Count);
                }
            }

            return true;
        }
    }

    /// <summary>
    /// Removes every subscription of <paramref name="subscriber"/> (its non-shared subscriptions and its shared group
    /// memberships), for a session that ends. Costs O(the subscriber's subscriptions), using the tree's own index of
    /// them, not a walk of the tree.
    /// </summary>
    /// <returns>The number of subscriptions removed.</returns>
    public int RemoveAll(TSubscriber subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        lock (_writeLock)
        {
            if (!_bySubscriber.Remove(subscriber, out var subscriptions))
            {
                return 0;
            }

            Volatile.Write(ref _subscriberCount, _bySubscriber.Count);

            subscriptions.CopyTo(_removalScratch);
            int removed = 0;
            foreach (var key in _removalScratch)
            {
                if (RemoveFromNode(key, subscriber))
                {
                    removed++;
                }
            }

            _removalScratch.Clear();
            return removed;
        }
    }

    /// <summary>Writer only: removes one subscription, updates the count and prunes empty nodes.</summary>
    private bool RemoveFromNode(SubscriptionKey<TSubscriber> key, TSubscriber subscriber)
    {
        var node = key.Node;
        if (key.Group is { } group)
        {
            if (!group.Remove(subscriber))
            {
                return false;
            }

            if (group.IsEmpty)
            {
                node.RemoveGroup(group);
            }
        }
        else if (!node.RemoveSubscription(subscriber))
        {
            return false;
        }

        Volatile.Write(ref _count, _count - 1);
        Prune(node);
        return true;
    }

    /// <summary>Writer only: unlinks empty nodes from <paramref name="node"/> upwards; iterative, whatever the depth.</summary>
    private void Prune(TopicNode<TSubscriber> node)
    {
        int removed = 0;
        while (node.Parent is { } parent && node.IsEmpty)
        {
            parent.RemoveChild(node);
            removed++;
            node = parent;
        }

        if (removed != 0)
        {
            Volatile.Write(ref _nodeCount, _nodeCount - removed);
        }
    }
}
