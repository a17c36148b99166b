namespace Tern.Broker.Routing;

/// <summary>
/// The subscription index of the broker: a trie over topic levels that finds every subscription matching a Topic
/// Name without scanning subscribers. Supports <c>+</c> and <c>#</c> wildcards, Shared Subscriptions
/// (<c>$share/{ShareName}/{filter}</c>, one member per group and message) and overlapping subscriptions.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber: the broker's session. Compared by reference, never by <c>Equals</c>.</typeparam>
/// <remarks>
/// <para>
/// Concurrency contract: <see cref="Match"/> may run on any number of threads at once and takes no lock. Writes
/// (<see cref="Subscribe"/>, <see cref="Unsubscribe"/>, <see cref="RemoveAll"/>) are serialized by one writer lock and
/// never block readers: a writer builds new immutable arrays (copy-on-write) or uses a lock-free-read dictionary for
/// wide nodes, and publishes each change with a single volatile write. A match that runs during a write sees each
/// single subscription either before or after that write, never half of it: a replaced subscription is seen with its
/// old or its new options, never both or neither. A subscription that no write touches is always seen.
/// </para>
/// <para>
/// Cost of <see cref="Match"/>: O(L × W + M), where L is the number of topic levels, W the number of trie paths alive
/// at one level (1 plus the <c>+</c> branches that match so far; bounded by the filters, not by the subscribers) and M
/// the number of matching subscriptions. Each level is a hash lookup (or a scan of at most
/// <see cref="TopicNode{TSubscriber}.MaxArrayChildren"/> children). Iterative, with an explicit stack held by the
/// collector, so a 65,536-level topic cannot overflow the call stack (CVE-2019-11779 in Mosquitto was that recursion).
/// </para>
/// <para>
/// Cost of a write: O(levels of the filter + subscribers on that exact filter), the second term from copying the
/// node's subscription array.
/// </para>
/// </remarks>
public sealed partial class SubscriptionTree<TSubscriber>
    where TSubscriber : class
{
    private readonly TopicNode<TSubscriber> _root = new(null, TopicNodeKind.Root, []);
    private readonly ISharedSubscriptionSelector<TSubscriber> _selector;
    private int _count;
    private int _nodeCount;
    private int _subscriberCount;

    /// <summary>Creates an empty tree.</summary>
    /// <param name="sharedSubscriptionSelector">
    /// Picks the member of a Shared Subscription group for each message; round-robin
    /// (<see cref="RoundRobinSharedSubscriptionSelector{TSubscriber}"/>) when null.
    /// </param>
    public SubscriptionTree(ISharedSubscriptionSelector<TSubscriber>? sharedSubscriptionSelector = null)
    {
        _selector = sharedSubscriptionSelector ?? RoundRobinSharedSubscriptionSelector<TSubscriber>.Instance;
    }

    /// <summary>The number of subscriptions: non-shared subscriptions plus memberships of shared groups.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The number of trie nodes below the root: returns to its earlier value once the filters that created nodes are gone.</summary>
    public int NodeCount => Volatile.Read(ref _nodeCount);

    /// <summary>The number of distinct subscribers with at least one subscription.</summary>
    public int SubscriberCount => Volatile.Read(ref _subscriberCount);

    /// <summary>
    /// Collects every subscription whose filter matches <paramref name="topicName"/> into <paramref name="collector"/>
    /// (cleared first): one entry per matching non-shared subscription, and one entry per matching Shared Subscription
    /// group for the member its selector picks. Call <see cref="SubscriptionCollector{TSubscriber}.CollapsePerSubscriber"/>
    /// afterwards for one delivery per subscriber. Takes no lock; allocates nothing once the collector has grown.
    /// </summary>
    /// <param name="topicName">The Topic Name of the message, already validated (no wildcards, at least one byte).</param>
    /// <param name="collector">The caller's reusable collector (one per routing thread).</param>
    /// <param name="publisher">
    /// The session that published the message, if any: its own subscriptions with <see cref="SubscriptionEntryOptions.NoLocal"/>
    /// are skipped (5.0 MQTT-3.8.3-3).
    /// </param>
    /// <returns>The number of entries collected.</returns>
    /// <remarks>
    /// Matching rules (3.1.1 and 5.0 §4.7): <c>+</c> matches exactly one level, which may be empty; <c>#</c> matches its
    /// parent level and every level below, so <c>sport/#</c> matches <c>sport</c>; a filter starting with a wildcard
    /// does not match a Topic Name starting with <c>$</c> ([MQTT-4.7.2-1]); levels compare byte for byte.
    /// </remarks>
    public int Match(ReadOnlySpan<byte> topicName, SubscriptionCollector<TSubscriber> collector, TSubscriber? publisher = null)
    {
        ArgumentNullException.ThrowIfNull(collector);
        collector.Clear();

        // A topic starting with '$' ($SYS/...) is only reached through a literal first level [MQTT-4.7.2-1].
        bool dollarTopic = !topicName.IsEmpty && topicName[0] == (byte)'$';
        int end = topicName.Length;

        // Frames are (node, start of the topic level to match against the node's children); a start past the end
        // means every level has been consumed and the node's own subscriptions match.
        collector.Push(_root, 0);
        while (collector.TryPop(out var node, out int start))
        {
            if (start > end)
            {
                CollectAt(node, topicName, collector, publisher);

                // "sport/#" also matches "sport": # matches the parent level (3.1.1 and 5.0 §4.7.1.2).
                var parentHash = node.MultiLevel;
                if (parentHash is not null)
                {
                    CollectAt(parentHash, topicName, collector, publisher);
                }

                continue;
            }

            var rest = topicName[start..];
            int slash = rest.IndexOf((byte)'/');
            ReadOnlySpan<byte> level;
            int next;
            if (slash < 0)
            {
                level = rest;
                next = end + 1;
            }
            else
            {
                level = rest[..slash];
                next = start + slash + 1;
            }

            if (!dollarTopic || start != 0)
            {
                var hash = node.MultiLevel;
                if (hash is not null)
                {
                    CollectAt(hash, topicName, collector, publisher);
                }

                var plus = node.SingleLevel;
                if (plus is not null)
                {
                    collector.Push(plus, next);
                }
            }

            var child = node.FindChild(level);
            if (child is not null)
            {
                collector.Push(child, next);
            }
        }

        return collector.Count;
    }

    private void CollectAt(TopicNode<TSubscriber> node, ReadOnlySpan<byte> topicName, SubscriptionCollector<TSubscriber> collector, TSubscriber? publisher)
    {
        foreach (ref readonly var entry in node.Subscriptions.AsSpan())
        {
            if (entry.Options.NoLocal && publisher is not null && ReferenceEquals(entry.Subscriber, publisher))
            {
                continue;
            }

            collector.Add(in entry, null);
        }

        foreach (var group in node.Groups)
        {
            ReadOnlySpan<SubscriptionEntry<TSubscriber>> members = group.MemberArray;
            if (members.IsEmpty)
            {
                continue;
            }

            int chosen = _selector.Select(group, members, topicName, publisher);
            if ((uint)chosen < (uint)members.Length)
            {
                collector.Add(in members[chosen], group);
            }
        }
    }
}
