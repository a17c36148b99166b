namespace Tern.Broker.Routing;

/// <summary>One subscriber's subscription as stored in the tree: the subscriber and what it was granted.</summary>
/// <typeparam name="TSubscriber">The subscriber type (the broker's session), compared by reference.</typeparam>
public readonly struct SubscriptionEntry<TSubscriber>
    where TSubscriber : class
{
    /// <summary>Creates an entry.</summary>
    public SubscriptionEntry(TSubscriber subscriber, SubscriptionEntryOptions options)
    {
        Subscriber = subscriber;
        Options = options;
    }

    /// <summary>The subscriber.</summary>
    public TSubscriber Subscriber { get; }

    /// <summary>The granted QoS and subscription options.</summary>
    public SubscriptionEntryOptions Options { get; }
}
