using Tern.Protocol;

namespace Tern.Broker.Routing;

/// <summary>
/// What the broker granted for one subscription: the maximum QoS and the MQTT 5.0 Subscription Options and
/// Subscription Identifier. MQTT 3.1 / 3.1.1 subscriptions use the defaults for everything but the QoS.
/// </summary>
/// <remarks>8 bytes, stored by value in the tree and in every match.</remarks>
public readonly record struct SubscriptionEntryOptions
{
    /// <summary>The largest Subscription Identifier a variable byte integer can carry (5.0 §3.8.2.1.2).</summary>
    public const int MaxSubscriptionIdentifier = 268_435_455;

    /// <summary>The maximum QoS granted in the SUBACK; a delivery uses the minimum of this and the message's QoS.</summary>
    public QualityOfService GrantedQoS { get; init; }

    /// <summary>MQTT 5.0 No Local: do not forward messages published by this subscriber itself (5.0 MQTT-3.8.3-3).</summary>
    public bool NoLocal { get; init; }

    /// <summary>MQTT 5.0 Retain As Published: keep the RETAIN flag of forwarded messages as published (5.0 §3.8.3.1).</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>MQTT 5.0 Retain Handling: whether retained messages are sent when the subscription is made.</summary>
    public RetainHandling RetainHandling { get; init; }

    /// <summary>The MQTT 5.0 Subscription Identifier, 1 to 268,435,455; 0 means none (5.0 §3.8.2.1.2).</summary>
    public int SubscriptionIdentifier { get; init; }

    /// <summary>Options that only grant a QoS, as an MQTT 3.1.1 SUBSCRIBE does.</summary>
    public static SubscriptionEntryOptions ForQoS(QualityOfService grantedQoS) => new() { GrantedQoS = grantedQoS };
}
