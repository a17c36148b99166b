using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>
/// A persistent session's link to the durable store: every QoS 1/2 message it takes is recorded with a store key, and
/// every change of its queue, in-flight and awaiting-release state follows. Sessions that end with their connection
/// have no writer and cost nothing here.
/// </summary>
/// <remarks>
/// Exactly once towards a subscriber needs more than storing: a QoS 2 PUBLISH must not reach the client before its
/// packet identifier is stored, or a crash would let the broker resend the message under a new identifier, which the
/// client would take for a new message. With ack durability such PUBLISHes (and what follows them on this session,
/// to keep the order) are handed to the connection only after the commit.
/// </remarks>
internal sealed partial class MqttSession
{
    private DurableWriter? _durable;
    private int _deferredSends;

    /// <summary>The durable writer of a persistent session; null for a session that is not stored.</summary>
    public DurableWriter? Durable
    {
        get
        {
            lock (_gate)
            {
                return _durable;
            }
        }

        set
        {
            lock (_gate)
            {
                _durable = value;
            }
        }
    }

    /// <summary>
    /// Puts back what a durable store held: subscriptions (the registry adds them to the tree), messages in flight (in
    /// the order they were sent, resent on the next attach) and queued, and inbound QoS 2 packet identifiers awaiting
    /// PUBREL. Called at start, before any client can connect.
    /// </summary>
    public void Restore(IEnumerable<KeyValuePair<string, SubscriptionGrant>> subscriptions, IEnumerable<(Delivery Delivery, ushort PacketIdentifier, bool Released)> deliveries, IEnumerable<ushort> awaitingRelease)
    {
        lock (_gate)
        {
            foreach (var (filter, grant) in subscriptions)
            {
                (_subscriptions ??= new(StringComparer.Ordinal))[filter] = grant;
            }

            foreach (var (delivery, packetIdentifier, released) in deliveries)
            {
                if (packetIdentifier == 0)
                {
                    (_pending ??= new()).AddLast(delivery);
                }
                else
                {
                    (_inflight ??= []).Add(new InflightDelivery(packetIdentifier, delivery) { Released = released });
                    _lastPacketIdentifier = packetIdentifier;
                }
            }

            foreach (ushort id in awaitingRelease)
            {
                (_awaitingRelease ??= []).Add(id);
            }
        }
    }

    // Caller holds the lock. Gives a QoS 1/2 delivery of a persistent session its store key and records it. The record
    // takes a reference of its own (the caller holds one, so the message is live): the writer reads the message on its
    // thread later and gives the reference back once the batch is committed, and the message then returns to the pool
    // like any other (it used to be pinned, which made every message to a persistent session an allocation).
    private Delivery Store(Delivery delivery, ushort packetIdentifier)
    {
        if (_durable is null || delivery.QoS == QualityOfService.AtMostOnce)
        {
            return delivery;
        }

        delivery = delivery with { StoreId = _durable.NextStoreId() };
        delivery.Message.AddRef();
        _durable.Write(new MessageQueued(ClientId, delivery, packetIdentifier));
        return delivery;
    }

    // Caller holds the lock. The delivery left the session; `acknowledged`: because the client acknowledged it (which
    // may let its publisher's PUBACK go before the commit, see DurableTicket).
    private void Forget(in Delivery delivery, bool acknowledged = false)
    {
        if (delivery.StoreId != 0)
        {
            _durable?.Write(acknowledged ? new MessageAcknowledged(delivery.StoreId) : new MessageRemoved(delivery.StoreId));
        }
    }

    // Caller holds the lock.
    private void SendPublish(ISessionConnection connection, EncodedPublish encoded, ushort packetIdentifier, bool duplicate, QualityOfService qos)
    {
        if (MustWaitForCommit(qos))
        {
            DeferPublish(connection, encoded, packetIdentifier, duplicate);
            return;
        }

        connection.SendPublish(encoded, packetIdentifier, duplicate);
    }

    // Apart from SendPublish: a lambda there captures its parameters, and C# allocates that closure on entry to the
    // method, so every QoS 1/2 PUBLISH paid for it even when nothing waits for the commit.
    private void DeferPublish(ISessionConnection connection, EncodedPublish encoded, ushort packetIdentifier, bool duplicate) =>
        Defer(() => connection.SendPublish(encoded, packetIdentifier, duplicate));

    // Caller holds the lock.
    private void SendPubRel(ISessionConnection connection, ushort packetIdentifier)
    {
        if (MustWaitForCommit(QualityOfService.ExactlyOnce))
        {
            DeferPubRel(connection, packetIdentifier);
            return;
        }

        connection.SendPubRel(packetIdentifier);
    }

    private void DeferPubRel(ISessionConnection connection, ushort packetIdentifier) =>
        Defer(() => connection.SendPubRel(packetIdentifier));

    private bool MustWaitForCommit(QualityOfService qos) =>
        _durable is { DefersAcknowledgements: true } && (qos == QualityOfService.ExactlyOnce || Volatile.Read(ref _deferredSends) > 0);

    // After a failed commit the packet goes out anyway: the client is connected and waiting, and only a crash before
    // the store recovers could turn it into a duplicate.
    private void Defer(Action send)
    {
        Interlocked.Increment(ref _deferredSends);
        _durable!.AfterCommit(_ =>
        {
            send();
            Interlocked.Decrement(ref _deferredSends);
        });
    }
}
