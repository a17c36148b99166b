using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Persistence;

/// <summary>Everything a durable store holds, as read at start.</summary>
/// <param name="Sessions">The persistent sessions.</param>
/// <param name="Retained">The retained messages.</param>
/// <param name="LastAliveUnixMs">When the broker last committed anything (wall clock, Unix ms); 0 for a new store. Sessions that were connected at a crash count as disconnected from then.</param>
internal sealed record DurableState(IReadOnlyList<StoredSession> Sessions, IReadOnlyList<StoredMessage> Retained, long LastAliveUnixMs)
{
    /// <summary>A store with nothing in it.</summary>
    public static DurableState Empty { get; } = new([], [], 0);
}

/// <summary>A stored Application Message. Expiry is wall-clock time, so the downtime counts.</summary>
/// <param name="Topic">The topic name (UTF-8).</param>
/// <param name="Properties">The forwarded MQTT 5.0 properties, as the broker keeps them.</param>
/// <param name="Payload">The payload.</param>
/// <param name="QoS">The QoS it was published with.</param>
/// <param name="Retain">The RETAIN flag it was published with.</param>
/// <param name="PublisherClientId">The publishing client, if any.</param>
/// <param name="ExpiresAtUnixMs">When it expires (Unix ms); 0 when it does not.</param>
internal sealed record StoredMessage(byte[] Topic, byte[] Properties, byte[] Payload, QualityOfService QoS, bool Retain, string? PublisherClientId, long ExpiresAtUnixMs);

/// <summary>A message for one session, queued or in flight.</summary>
/// <param name="StoreId">Its key in the store; increases in the order messages were queued.</param>
/// <param name="Message">The message.</param>
/// <param name="QoS">The QoS it is delivered with.</param>
/// <param name="Retain">The RETAIN flag it is delivered with.</param>
/// <param name="SubscriptionIdentifiers">MQTT 5.0 Subscription Identifiers of the matching subscriptions.</param>
/// <param name="PacketIdentifier">The packet identifier it was sent with; 0 while queued.</param>
/// <param name="Released">QoS 2: PUBREC arrived, resend as PUBREL.</param>
internal sealed record StoredDelivery(long StoreId, StoredMessage Message, QualityOfService QoS, bool Retain, int[]? SubscriptionIdentifiers, ushort PacketIdentifier, bool Released);

/// <summary>A subscription of a stored session.</summary>
internal sealed record StoredSubscription(string TopicFilter, SubscriptionEntryOptions Options);

/// <summary>A persistent session as stored.</summary>
/// <param name="ClientId">The Client Identifier.</param>
/// <param name="ExpiryInterval">The Session Expiry Interval in seconds.</param>
/// <param name="DisconnectedAtUnixMs">When it went offline (Unix ms); null when it was connected when the broker stopped (a crash).</param>
/// <param name="Will">The will of its last connection, while not yet published or discarded.</param>
/// <param name="WillDelay">The Will Delay Interval in seconds.</param>
/// <param name="Subscriptions">Its subscriptions.</param>
/// <param name="Deliveries">Its messages in the order they were queued.</param>
/// <param name="AwaitingRelease">Inbound QoS 2 packet identifiers awaiting PUBREL.</param>
/// <param name="PagedOut">Queued messages after <paramref name="Deliveries"/> that were left in the store: keys and sizes only.</param>
internal sealed record StoredSession(
    string ClientId,
    uint ExpiryInterval,
    long? DisconnectedAtUnixMs,
    StoredMessage? Will,
    uint WillDelay,
    IReadOnlyList<StoredSubscription> Subscriptions,
    IReadOnlyList<StoredDelivery> Deliveries,
    IReadOnlyList<ushort> AwaitingRelease,
    IReadOnlyList<StoredQueueEntry>? PagedOut = null);

/// <summary>A queued message kept only in the store: its key and the bytes it counts against <c>MaxQueuedBytes</c>.</summary>
/// <param name="StoreId">Its key in the store.</param>
/// <param name="Size">Topic, properties and payload bytes.</param>
internal readonly record struct StoredQueueEntry(long StoreId, int Size);
