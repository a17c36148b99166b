using System.Runtime.CompilerServices;

namespace Tern.Broker.Routing;

/// <summary>
/// The reusable result buffer of <see cref="SubscriptionTree{TSubscriber}.Match"/>: the matching subscriptions of one
/// message, their Subscription Identifiers, and the traversal stack the match needs. Its buffers grow to the largest
/// match seen and are then reused, so matching allocates nothing in steady state.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber type.</typeparam>
/// <remarks>
/// Not thread-safe: one collector per routing thread (for example one per connection read loop). Results stay valid
/// until the next <see cref="SubscriptionTree{TSubscriber}.Match"/> or <see cref="Clear"/> on this collector.
/// </remarks>
public sealed partial class SubscriptionCollector<TSubscriber>
    where TSubscriber : class
{
    private const int InitialCapacity = 16;

    private MatchedSubscription<TSubscriber>[] _matches = new MatchedSubscription<TSubscriber>[InitialCapacity];
    private int _count;
    private int[] _identifiers = new int[InitialCapacity];
    private int _identifierCount;
    private Frame[] _stack = new Frame[InitialCapacity];
    private int _stackCount;

    /// <summary>The number of deliveries collected.</summary>
    public int Count => _count;

    /// <summary>The deliveries collected by the last match (in tree order, which is not significant).</summary>
    public ReadOnlySpan<MatchedSubscription<TSubscriber>> Matches => _matches.AsSpan(0, _count);

    /// <summary>True once <see cref="CollapsePerSubscriber"/> has merged this match's results.</summary>
    public bool IsCollapsed { get; private set; }

    /// <summary>
    /// The Subscription Identifiers that delivery <paramref name="index"/> carries: none, one, or after
    /// <see cref="CollapsePerSubscriber"/> those of every merged subscription that had one (5.0 MQTT-3.3.4-3,
    /// MQTT-3.3.4-4; their order is not significant).
    /// </summary>
    public ReadOnlySpan<int> GetSubscriptionIdentifiers(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)_count, nameof(index));
        ref readonly var match = ref _matches[index];
        return _identifiers.AsSpan(match.IdentifierStart, match.IdentifierCount);
    }

    /// <summary>Forgets the results and drops the references they hold, keeping the buffers.</summary>
    public void Clear()
    {
        Array.Clear(_matches, 0, _count);
        _count = 0;
        _identifierCount = 0;
        IsCollapsed = false;
    }

    internal void Add(in SubscriptionEntry<TSubscriber> entry, SharedSubscriptionGroup<TSubscriber>? group)
    {
        if (_count == _matches.Length)
        {
            Array.Resize(ref _matches, _matches.Length * 2);
        }

        int identifier = entry.Options.SubscriptionIdentifier;
        int start = _identifierCount;
        if (identifier != 0)
        {
            if (_identifierCount == _identifiers.Length)
            {
                Array.Resize(ref _identifiers, _identifiers.Length * 2);
            }

            _identifiers[_identifierCount++] = identifier;
        }

        _matches[_count++] = new MatchedSubscription<TSubscriber>(entry.Subscriber, entry.Options, group, start, _identifierCount - start, 1);
    }

    internal void Push(TopicNode<TSubscriber> node, int levelStart)
    {
        if (_stackCount == _stack.Length)
        {
            Array.Resize(ref _stack, _stack.Length * 2);
        }

        _stack[_stackCount++] = new Frame(node, levelStart);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryPop(out TopicNode<TSubscriber> node, out int levelStart)
    {
        if (_stackCount == 0)
        {
            node = null!;
            levelStart = 0;
            return false;
        }

        ref var frame = ref _stack[--_stackCount];
        node = frame.Node;
        levelStart = frame.LevelStart;
        frame = default;
        return true;
    }

    /// <summary>A node still to visit, and where in the topic its level starts.</summary>
    private readonly record struct Frame(TopicNode<TSubscriber> Node, int LevelStart);
}
