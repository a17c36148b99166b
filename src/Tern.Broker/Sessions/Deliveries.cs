using Tern.Broker.Messages;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>
/// One message for one session: at the QoS and retain flag it is sent with, the shared subscription group it came
/// through (so it can go to another member if this one leaves), and the Subscription Identifiers of the matching
/// subscriptions (MQTT 5.0), and its key in the durable store (0 when it is not stored).
/// </summary>
/// <remarks>
/// A delivery queued or in flight in a session holds one reference to <see cref="Message"/>, released when it
/// leaves the session (acknowledged, dropped, expired, handed to another member, or the session ends).
/// </remarks>
internal readonly record struct Delivery(
    BrokerMessage Message,
    QualityOfService QoS,
    bool Retain,
    SharedSubscriptionGroup<MqttSession>? Group = null,
    int[]? SubscriptionIdentifiers = null,
    long StoreId = 0)
{
    /// <summary>The generation of <see cref="Message"/> when the delivery was made, for the debug check of use after release.</summary>
    public int Generation { get; init; } = Message.Generation;

    /// <summary>Throws (debug builds) when the message was returned to its pool while this delivery still refers to it.</summary>
    [System.Diagnostics.Conditional("DEBUG")]
    public void AssertLive() => Message.AssertLive(Generation);
}

/// <summary>
/// A QoS 1/2 message sent to the client and not yet fully acknowledged. A struct kept in the session's list: putting a
/// message in flight allocates nothing.
/// </summary>
internal struct InflightDelivery(ushort packetIdentifier, Delivery delivery)
{
    public ushort PacketIdentifier { get; } = packetIdentifier;

    public Delivery Delivery { get; } = delivery;

    public readonly QualityOfService QoS => Delivery.QoS;

    /// <summary>QoS 2: PUBREC arrived and PUBREL was sent; waiting for PUBCOMP. Resent as PUBREL, never as PUBLISH ([MQTT-4.4.0-1]).</summary>
    public bool Released { get; set; }

    /// <summary>The key of the message in the durable store; 0 when it is not stored.</summary>
    public readonly long StoreId => Delivery.StoreId;
}

/// <summary>What became of a message handed to a session.</summary>
internal enum DeliveryOutcome : byte
{
    /// <summary>Given to the connection's writer.</summary>
    Sent,

    /// <summary>Queued until the client is back or its window opens.</summary>
    Queued,

    /// <summary>QoS 0 for a client that is not connected: not kept (as Mosquitto does by default).</summary>
    DroppedOffline,

    /// <summary>The queue was full; the overflow policy dropped a message.</summary>
    DroppedQueueFull,

    /// <summary>Larger than the Maximum Packet Size the client announced ([MQTT-3.1.2-25] in 5.0).</summary>
    DroppedTooLarge,

    /// <summary>Its Message Expiry Interval passed before it could be sent.</summary>
    DroppedExpired,

    /// <summary>The queue holds <c>MaxQueuedBytes</c>; the overflow policy dropped a message.</summary>
    DroppedQueueBytesFull,
}
