namespace Tern.Broker.Routing;

/// <summary>How a node hangs off its parent.</summary>
internal enum TopicNodeKind : byte
{
    /// <summary>The root: the level before the first.</summary>
    Root,
    /// <summary>A level matched by its exact bytes.</summary>
    Literal,
    /// <summary>The single-level wildcard <c>+</c>.</summary>
    SingleLevelWildcard,
    /// <summary>The multi-level wildcard <c>#</c>: always a leaf ([MQTT-4.7.1-2] puts it last).</summary>
    MultiLevelWildcard,
}

/// <summary>
/// One level of the subscription trie: its literal children, its <c>+</c> and <c>#</c> children, and the
/// subscriptions and shared groups whose filter ends here.
/// </summary>
/// <remarks>
/// Concurrency contract: every field a reader follows is published with <see cref="Volatile.Write{T}(ref T, T)"/>
/// and refers to an object that is never changed after publication (immutable arrays) or that supports lock-free
/// reads (<see cref="ChildDictionary{TSubscriber}"/>). Methods marked "writer only" run under the tree's writer lock.
/// </remarks>
internal sealed class TopicNode<TSubscriber>
    where TSubscriber : class
{
    /// <summary>Above this many literal children the node switches from an array scan to a dictionary.</summary>
    internal const int MaxArrayChildren = 8;

    /// <summary>
    /// At or below this many the dictionary goes back to an array. Lower than <see cref="MaxArrayChildren"/> so a
    /// subscriber toggling one filter at the boundary does not rebuild the map on every write.
    /// </summary>
    internal const int MinDictionaryChildren = 4;

    // null, TopicNode<TSubscriber>[] (1 to MaxArrayChildren entries) or ChildDictionary<TSubscriber>: one field, so a
    // reader always sees one whole map, never half of a switch between the two.
    private object? _children;
    private TopicNode<TSubscriber>? _singleLevel;
    private TopicNode<TSubscriber>? _multiLevel;
    private SubscriptionEntry<TSubscriber>[] _subscriptions = [];
    private SharedSubscriptionGroup<TSubscriber>[] _groups = [];

    public TopicNode(TopicNode<TSubscriber>? parent, TopicNodeKind kind, byte[] key)
    {
        Parent = parent;
        Kind = kind;
        Key = key;
    }

    /// <summary>The parent, null for the root. Used by the writer to prune empty nodes bottom-up.</summary>
    public TopicNode<TSubscriber>? Parent { get; }

    public TopicNodeKind Kind { get; }

    /// <summary>The level bytes (for wildcard nodes the wildcard character).</summary>
    public byte[] Key { get; }

    public TopicNode<TSubscriber>? SingleLevel => Volatile.Read(ref _singleLevel);

    public TopicNode<TSubscriber>? MultiLevel => Volatile.Read(ref _multiLevel);

    public SubscriptionEntry<TSubscriber>[] Subscriptions => Volatile.Read(ref _subscriptions);

    public SharedSubscriptionGroup<TSubscriber>[] Groups => Volatile.Read(ref _groups);

    /// <summary>Writer only: true when nothing keeps this node in the tree.</summary>
    public bool IsEmpty =>
        _children is null && _singleLevel is null && _multiLevel is null && _subscriptions.Length == 0 && _groups.Length == 0;

    /// <summary>The literal child for a level, or null. Lock-free and allocation-free.</summary>
    public TopicNode<TSubscriber>? FindChild(ReadOnlySpan<byte> level)
    {
        object? children = Volatile.Read(ref _children);
        if (children is TopicNode<TSubscriber>[] array)
        {
            foreach (var child in array)
            {
                if (level.SequenceEqual(child.Key))
                {
                    return child;
                }
            }

            return null;
        }

        return children is ChildDictionary<TSubscriber> dictionary ? dictionary.Find(level) : null;
    }

    /// <summary>Writer only: the child for a filter level, created (and counted in <paramref name="created"/>) if missing.</summary>
    public TopicNode<TSubscriber> GetOrAddChild(ReadOnlySpan<byte> level, ref int created)
    {
        if (level.Length == 1 && level[0] == (byte)'+')
        {
            return _singleLevel ?? Publish(ref _singleLevel, new TopicNode<TSubscriber>(this, TopicNodeKind.SingleLevelWildcard, [(byte)'+']), ref created);
        }

        if (level.Length == 1 && level[0] == (byte)'#')
        {
            return _multiLevel ?? Publish(ref _multiLevel, new TopicNode<TSubscriber>(this, TopicNodeKind.MultiLevelWildcard, [(byte)'#']), ref created);
        }

        var existing = FindChild(level);
        if (existing is not null)
        {
            return existing;
        }

        var node = new TopicNode<TSubscriber>(this, TopicNodeKind.Literal, level.ToArray());
        switch (_children)
        {
            case null:
                Volatile.Write(ref _children, new[] { node });
                break;
            case TopicNode<TSubscriber>[] array when array.Length < MaxArrayChildren:
                Volatile.Write(ref _children, CopyOnWrite.With(array, node));
                break;
            case TopicNode<TSubscriber>[] array:
                var grown = new ChildDictionary<TSubscriber>(array);
                grown.Add(node);
                Volatile.Write(ref _children, grown);
                break;
            case ChildDictionary<TSubscriber> dictionary:
                dictionary.Add(node);
                break;
        }

        created++;
        return node;
    }

    /// <summary>Writer only: the existing child for a filter level, or null.</summary>
    public TopicNode<TSubscriber>? GetChildForFilterLevel(ReadOnlySpan<byte> level)
    {
        if (level.Length == 1 && level[0] == (byte)'+')
        {
            return _singleLevel;
        }

        return level.Length == 1 && level[0] == (byte)'#' ? _multiLevel : FindChild(level);
    }

    /// <summary>Writer only: unlinks an (empty) child.</summary>
    public void RemoveChild(TopicNode<TSubscriber> child)
    {
        switch (child.Kind)
        {
            case TopicNodeKind.SingleLevelWildcard:
                Volatile.Write(ref _singleLevel, null);
                return;
            case TopicNodeKind.MultiLevelWildcard:
                Volatile.Write(ref _multiLevel, null);
                return;
        }

        switch (_children)
        {
            case TopicNode<TSubscriber>[] array:
                int index = Array.IndexOf(array, child);
                if (index >= 0)
                {
                    Volatile.Write<object?>(ref _children, array.Length == 1 ? null : CopyOnWrite.Without(array, index));
                }

                break;
            case ChildDictionary<TSubscriber> dictionary:
                dictionary.Remove(child);
                if (dictionary.Count <= MinDictionaryChildren)
                {
                    Volatile.Write<object?>(ref _children, dictionary.Count == 0 ? null : dictionary.ToArray());
                }

                break;
        }
    }

    /// <summary>Writer only: adds or replaces the subscriber's non-shared subscription; true if it replaced one.</summary>
    public bool SetSubscription(TSubscriber subscriber, in SubscriptionEntryOptions options)
    {
        var updated = CopyOnWrite.Set(_subscriptions, new SubscriptionEntry<TSubscriber>(subscriber, options), out bool replaced);
        Volatile.Write(ref _subscriptions, updated);
        return replaced;
    }

    /// <summary>Writer only: removes the subscriber's non-shared subscription; true if there was one.</summary>
    public bool RemoveSubscription(TSubscriber subscriber)
    {
        if (!CopyOnWrite.TryRemove(_subscriptions, subscriber, out var updated))
        {
            return false;
        }

        Volatile.Write(ref _subscriptions, updated);
        return true;
    }

    /// <summary>Writer only: the group with this share name, or null.</summary>
    public SharedSubscriptionGroup<TSubscriber>? FindGroup(ReadOnlySpan<byte> shareName)
    {
        foreach (var group in _groups)
        {
            if (group.HasShareName(shareName))
            {
                return group;
            }
        }

        return null;
    }

    /// <summary>Writer only: publishes a new (already populated) group.</summary>
    public void AddGroup(SharedSubscriptionGroup<TSubscriber> group) => Volatile.Write(ref _groups, CopyOnWrite.With(_groups, group));

    /// <summary>Writer only: removes an empty group.</summary>
    public void RemoveGroup(SharedSubscriptionGroup<TSubscriber> group)
    {
        int index = Array.IndexOf(_groups, group);
        if (index >= 0)
        {
            Volatile.Write(ref _groups, CopyOnWrite.Without(_groups, index));
        }
    }

    private static TopicNode<TSubscriber> Publish(ref TopicNode<TSubscriber>? field, TopicNode<TSubscriber> node, ref int created)
    {
        Volatile.Write(ref field, node);
        created++;
        return node;
    }
}
