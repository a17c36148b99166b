using Tern.Broker.Messages;
using Tern.Broker.Routing;
using Tern.Broker.Sessions;

namespace Tern.Broker.Persistence;

/// <summary>
/// One change of durable state, recorded by the session, the registry or the retained store at the moment the change
/// happens in memory, and applied later by the <see cref="DurableWriter"/> in one transaction with its neighbours.
/// Operations are applied in the order they were recorded; they carry references (messages are immutable), never
/// copies, so recording one costs an allocation and a queue write.
/// </summary>
internal abstract record DurableOperation;

/// <summary>A persistent session was created or resumed by a CONNECT: its expiry, and the will of the new connection (kept until it is published or discarded).</summary>
internal sealed record SessionConnected(string ClientId, uint ExpiryInterval, BrokerMessage? Will, uint WillDelay) : DurableOperation;

/// <summary>A persistent session went offline at <paramref name="DisconnectedAtUnixMs"/>; <paramref name="PendingWill"/> waits for its delay.</summary>
internal sealed record SessionDisconnected(string ClientId, uint ExpiryInterval, long DisconnectedAtUnixMs, BrokerMessage? PendingWill, uint WillDelay) : DurableOperation;

/// <summary>The will of a session was published or cancelled.</summary>
internal sealed record SessionWillCleared(string ClientId) : DurableOperation;

/// <summary>A session ended: everything stored for it goes.</summary>
internal sealed record SessionRemoved(string ClientId) : DurableOperation;

/// <summary>A subscription was made or replaced.</summary>
internal sealed record SubscriptionSet(string ClientId, string TopicFilter, SubscriptionEntryOptions Options) : DurableOperation;

/// <summary>A subscription was removed.</summary>
internal sealed record SubscriptionRemoved(string ClientId, string TopicFilter) : DurableOperation;

/// <summary>A QoS 1/2 message was queued for a session, or sent at once with <paramref name="PacketIdentifier"/> (0: queued).</summary>
internal sealed record MessageQueued(string ClientId, Delivery Delivery, ushort PacketIdentifier) : DurableOperation
{
    /// <summary><see cref="State"/>: recorded, not yet taken into a batch.</summary>
    internal const int Pending = 0;

    /// <summary><see cref="State"/>: taken into a batch by the writer; its row is written.</summary>
    internal const int Claimed = 1;

    /// <summary><see cref="State"/>: acknowledged by the client while pending; nothing of it is written.</summary>
    internal const int Cancelled = 2;

    /// <summary>Pending, claimed or cancelled; changed with a compare-and-swap by the writer (claim) or an acknowledgement (cancel), whichever is first.</summary>
    internal int State;

    /// <summary>The ticket of the QoS 1 PUBLISH that queued it, while the publish's answer may wait for it.</summary>
    internal DurableTicket? Ticket;
}

/// <summary>A queued message was sent with a packet identifier.</summary>
internal sealed record MessageSent(long StoreId, ushort PacketIdentifier) : DurableOperation;

/// <summary>PUBREC arrived for an outbound QoS 2 message: from now on it is resent as PUBREL.</summary>
internal sealed record MessageReleased(long StoreId) : DurableOperation;

/// <summary>A message left the session: acknowledged, expired, dropped or handed to another member of a shared subscription.</summary>
internal record MessageRemoved(long StoreId) : DurableOperation;

/// <summary>
/// A message left the session because the client acknowledged it (PUBACK, PUBCOMP): it was delivered. Stored like any
/// removal; the writer also counts it towards the early answer of the publish that queued it (<see cref="DurableTicket"/>).
/// </summary>
internal sealed record MessageAcknowledged(long StoreId) : MessageRemoved(StoreId);

/// <summary>An inbound QoS 2 packet identifier now awaits PUBREL.</summary>
internal sealed record ReleaseAwaited(string ClientId, ushort PacketIdentifier) : DurableOperation;

/// <summary>PUBREL arrived (or the exchange was refused): the inbound packet identifier is free again.</summary>
internal sealed record ReleaseCompleted(string ClientId, ushort PacketIdentifier) : DurableOperation;

/// <summary>A retained message was set.</summary>
internal sealed record RetainedSet(BrokerMessage Message) : DurableOperation;

/// <summary>The retained message of a topic was deleted.</summary>
internal sealed record RetainedRemoved(string Topic) : DurableOperation;
