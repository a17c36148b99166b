namespace Tern.Client;

/// <summary>MQTT 5.0 properties of one SUBSCRIBE (5.0 §3.8.2.1): a Subscription Identifier and User Properties.</summary>
public sealed record MqttSubscribeOptions
{
    /// <summary>The largest Subscription Identifier: a Variable Byte Integer holds at most 268,435,455 (5.0 §3.8.2.1.2).</summary>
    public const uint MaxSubscriptionIdentifier = 268_435_455;

    /// <summary>
    /// The Subscription Identifier, 1 to 268,435,455, or null (default) for none. The broker returns it with every
    /// message this subscription matches ([MQTT-3.3.4-3]); the client then hands such a message to the subscriptions
    /// whose identifiers it carries, and only to them (see <see cref="MqttMessage.SubscriptionIdentifiers"/>).
    /// </summary>
    public uint? SubscriptionIdentifier { get; init; }

    /// <summary>User Properties of the SUBSCRIBE.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];
}
