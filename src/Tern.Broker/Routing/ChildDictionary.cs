using System.Collections.Concurrent;

namespace Tern.Broker.Routing;

/// <summary>
/// The children of a node with many children, keyed by level bytes. A <see cref="ConcurrentDictionary{TKey, TValue}"/>
/// rather than a copy-on-write map: its reads take no lock and see each single write atomically, and an insert costs
/// O(1) instead of copying every sibling (10,000 device topics under one parent would otherwise copy 50 million
/// entries while being built).
/// </summary>
internal sealed class ChildDictionary<TSubscriber>
    where TSubscriber : class
{
    private readonly ConcurrentDictionary<byte[], TopicNode<TSubscriber>> _children;
    private readonly ConcurrentDictionary<byte[], TopicNode<TSubscriber>>.AlternateLookup<ReadOnlySpan<byte>> _bySpan;

    public ChildDictionary(TopicNode<TSubscriber>[] initial)
    {
        // One writer at a time (the tree's lock), so one stripe lock is enough.
        _children = new ConcurrentDictionary<byte[], TopicNode<TSubscriber>>(concurrencyLevel: 1, capacity: initial.Length * 2, TopicLevelComparer.Instance);
        foreach (var child in initial)
        {
            _children[child.Key] = child;
        }

        _bySpan = _children.GetAlternateLookup<ReadOnlySpan<byte>>();
    }

    public int Count => _children.Count;

    public TopicNode<TSubscriber>? Find(ReadOnlySpan<byte> level) => _bySpan.TryGetValue(level, out var child) ? child : null;

    public void Add(TopicNode<TSubscriber> child) => _children[child.Key] = child;

    public void Remove(TopicNode<TSubscriber> child) => _children.TryRemove(child.Key, out _);

    public TopicNode<TSubscriber>[] ToArray()
    {
        var array = new TopicNode<TSubscriber>[_children.Count];
        int i = 0;
        foreach (var pair in _children)
        {
            array[i++] = pair.Value;
        }

        return array;
    }
}
