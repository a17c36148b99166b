namespace Tern.Broker.Routing;

/// <summary>
/// A Shared Subscription (<c>$share/{ShareName}/{filter}</c>, 5.0 §4.8.2): the sessions subscribed with one share
/// name to one topic filter. A matching message goes to one member, chosen by the tree's
/// <see cref="ISharedSubscriptionSelector{TSubscriber}"/>.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber type.</typeparam>
/// <remarks>
/// Members are an immutable array replaced under the tree's writer lock (copy-on-write), so readers take no lock.
/// A group object lives as long as it has members; an empty group is removed from the tree.
/// </remarks>
public sealed class SharedSubscriptionGroup<TSubscriber>
    where TSubscriber : class
{
    private readonly byte[] _shareName;
    private readonly byte[] _topicFilter;
    private SubscriptionEntry<TSubscriber>[] _members = [];
    private int _sequence = -1;

    internal SharedSubscriptionGroup(ReadOnlySpan<byte> shareName, ReadOnlySpan<byte> topicFilter)
    {
        _shareName = shareName.ToArray();
        _topicFilter = topicFilter.ToArray();
    }

    /// <summary>The ShareName: the level between <c>$share/</c> and the topic filter.</summary>
    public ReadOnlySpan<byte> ShareName => _shareName;

    /// <summary>The topic filter that follows the share name (what messages are matched against).</summary>
    public ReadOnlySpan<byte> TopicFilter => _topicFilter;

    /// <summary>The current members, a snapshot: a concurrent writer replaces the array, never changes it.</summary>
    public ReadOnlySpan<SubscriptionEntry<TSubscriber>> Members => Volatile.Read(ref _members);

    /// <summary>
    /// An atomic counter for selectors: returns 0, 1, 2, ... across all threads, wrapping past <see cref="int.MaxValue"/>
    /// to negative values (cast to <see cref="uint"/> before taking a remainder).
    /// </summary>
    public int NextSequence() => Interlocked.Increment(ref _sequence);

    /// <summary>Room for a selector's own state about this group (the sticky strategy keeps its current member here).</summary>
    public object? SelectorState { get; set; }

    internal SubscriptionEntry<TSubscriber>[] MemberArray => Volatile.Read(ref _members);

    internal bool IsEmpty => _members.Length == 0;

    /// <summary>Writer only: adds or replaces the member's entry; true if it replaced one.</summary>
    internal bool Set(TSubscriber subscriber, in SubscriptionEntryOptions options)
    {
        var entry = new SubscriptionEntry<TSubscriber>(subscriber, options);
        var updated = CopyOnWrite.Set(_members, entry, out bool replaced);
        Volatile.Write(ref _members, updated);
        return replaced;
    }

    /// <summary>Writer only: removes the member; true if it was a member.</summary>
    internal bool Remove(TSubscriber subscriber)
    {
        if (!CopyOnWrite.TryRemove(_members, subscriber, out var updated))
        {
            return false;
        }

        Volatile.Write(ref _members, updated);
        return true;
    }

    internal bool HasShareName(ReadOnlySpan<byte> shareName) => _shareName.AsSpan().SequenceEqual(shareName);
}
