namespace Tern.Broker.Routing;

/// <summary>
/// Chooses the one member of a Shared Subscription group that receives a message (5.0 §4.8.2: "each message is
/// delivered to only one of the Sessions"). The tree calls it once per matching group during
/// <see cref="SubscriptionTree{TSubscriber}.Match"/>.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber type.</typeparam>
/// <remarks>
/// Thread-safety contract: called concurrently from every thread that routes messages, without any lock held, so an
/// implementation keeps its state thread-safe (for example with <see cref="SharedSubscriptionGroup{TSubscriber}.NextSequence"/>).
/// It must not allocate and must not call back into the tree.
/// </remarks>
public interface ISharedSubscriptionSelector<TSubscriber>
    where TSubscriber : class
{
    /// <summary>Chooses a member.</summary>
    /// <param name="group">The group: its share name, topic filter and a thread-safe sequence counter.</param>
    /// <param name="members">
    /// The members at the time of the match, never empty. Use this snapshot, not <see cref="SharedSubscriptionGroup{TSubscriber}.Members"/>,
    /// which a concurrent writer may already have replaced.
    /// </param>
    /// <param name="topicName">The Topic Name of the message being routed.</param>
    /// <param name="publisher">The publishing subscriber, when the message came from one (for strategies keyed by publisher).</param>
    /// <returns>An index into <paramref name="members"/>, or -1 to deliver this message to no member of the group.</returns>
    int Select(SharedSubscriptionGroup<TSubscriber> group, ReadOnlySpan<SubscriptionEntry<TSubscriber>> members, ReadOnlySpan<byte> topicName, TSubscriber? publisher);
}
