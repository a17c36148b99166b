namespace Tern.Broker.Routing;

/// <summary>
/// The default <see cref="ISharedSubscriptionSelector{TSubscriber}"/>: members of a group take turns, using the
/// group's atomic sequence counter, so concurrent publishers still spread messages evenly.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber type.</typeparam>
public sealed class RoundRobinSharedSubscriptionSelector<TSubscriber> : ISharedSubscriptionSelector<TSubscriber>
    where TSubscriber : class
{
    /// <summary>The shared, stateless instance (the state lives in each group).</summary>
    public static RoundRobinSharedSubscriptionSelector<TSubscriber> Instance { get; } = new();

    /// <inheritdoc />
    public int Select(SharedSubscriptionGroup<TSubscriber> group, ReadOnlySpan<SubscriptionEntry<TSubscriber>> members, ReadOnlySpan<byte> topicName, TSubscriber? publisher)
    {
        ArgumentNullException.ThrowIfNull(group);
        // The counter wraps after 2^32 messages; as unsigned the remainder stays in range and the turns stay fair.
        return (int)((uint)group.NextSequence() % (uint)members.Length);
    }
}
