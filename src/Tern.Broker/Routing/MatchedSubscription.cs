using Tern.Protocol;

namespace Tern.Broker.Routing;

/// <summary>
/// One result of <see cref="SubscriptionTree{TSubscriber}.Match"/>: a subscriber that receives the message, with what
/// it was granted. Read its Subscription Identifiers with <see cref="SubscriptionCollector{TSubscriber}.GetSubscriptionIdentifiers(int)"/>.
/// </summary>
/// <typeparam name="TSubscriber">The subscriber type.</typeparam>
public readonly struct MatchedSubscription<TSubscriber>
    where TSubscriber : class
{
    internal MatchedSubscription(
        TSubscriber subscriber,
        SubscriptionEntryOptions options,
        SharedSubscriptionGroup<TSubscriber>? sharedGroup,
        int identifierStart,
        int identifierCount,
        int subscriptionCount)
    {
        Subscriber = subscriber;
        Options = options;
        SharedGroup = sharedGroup;
        IdentifierStart = identifierStart;
        IdentifierCount = identifierCount;
        SubscriptionCount = subscriptionCount;
    }

    /// <summary>The subscriber.</summary>
    public TSubscriber Subscriber { get; }

    /// <summary>
    /// The options of the matching subscription. After <see cref="SubscriptionCollector{TSubscriber}.CollapsePerSubscriber"/>
    /// merged several: the options of the first, with <see cref="SubscriptionEntryOptions.GrantedQoS"/> the maximum of all,
    /// <see cref="SubscriptionEntryOptions.RetainAsPublished"/> true only if all asked for it, and
    /// <see cref="SubscriptionEntryOptions.SubscriptionIdentifier"/> the first non-zero one.
    /// </summary>
    public SubscriptionEntryOptions Options { get; }

    /// <summary>The QoS granted to the subscription (the maximum over merged subscriptions).</summary>
    public QualityOfService GrantedQoS => Options.GrantedQoS;

    /// <summary>The Shared Subscription group this delivery was chosen for, or null for a non-shared subscription.</summary>
    public SharedSubscriptionGroup<TSubscriber>? SharedGroup { get; }

    /// <summary>True when the delivery comes from a Shared Subscription.</summary>
    public bool IsShared => SharedGroup is not null;

    /// <summary>How many of the subscriber's subscriptions this delivery stands for: 1, or more after a collapse.</summary>
    public int SubscriptionCount { get; }

    internal int IdentifierStart { get; }

    internal int IdentifierCount { get; }
}
