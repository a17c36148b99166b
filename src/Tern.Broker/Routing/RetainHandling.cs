namespace Tern.Broker.Routing;

/// <summary>
/// When retained messages are sent for a new subscription: bits 4 and 5 of the MQTT 5.0 Subscription Options byte
/// (5.0 §3.8.3.1). Value 3 is reserved; the broker rejects it before it reaches the tree.
/// </summary>
public enum RetainHandling : byte
{
    /// <summary>0: send retained messages at the time of the subscribe (the only behaviour of MQTT 3.1.1).</summary>
    SendOnSubscribe = 0,
    /// <summary>1: send retained messages only if the subscription did not already exist.</summary>
    SendOnNewSubscription = 1,
    /// <summary>2: do not send retained messages at the time of the subscribe.</summary>
    DoNotSend = 2,
}
