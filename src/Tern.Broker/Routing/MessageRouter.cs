using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Sessions;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Routing;

/// <summary>
/// Routes an Application Message: the retained store first, then the subscription tree, then one delivery per
/// subscribing session at the lower of the message's QoS and the granted QoS ([MQTT-3.8.4-6] in 3.1.1,
/// [MQTT-3.8.4-8] in 5.0). Runs inline on the publisher's read loop.
/// </summary>
internal sealed class MessageRouter
{
    // One collector per thread: read loops route concurrently and a collector is reused between messages, so
    // steady-state routing allocates nothing for the match itself.
    [ThreadStatic]
    private static SubscriptionCollector<MqttSession>? t_collector;

    private readonly SubscriptionTree<MqttSession> _tree;
    private readonly IRetainedMessageStore _retained;
    private readonly TimeProvider _time;

    public MessageRouter(SubscriptionTree<MqttSession> tree, IRetainedMessageStore retained, TimeProvider time)
    {
        _tree = tree;
        _retained = retained;
        _time = time;
    }

    /// <summary>The pool routed messages come from and return to once their last reference is released.</summary>
    public MessagePool Pool { get; init; } = new();

    /// <summary>Checks each delivery's receiver (ACL read rights); null when there is no authorizer, which costs one null check.</summary>
    public Security.TopicAuthorization? Authorization { get; init; }

    /// <summary>
    /// Routes a received PUBLISH: matches first, and copies the message out of the receive buffer only when a session
    /// will receive it or it must be retained, so a message nobody wants costs no allocation. The copy is a pooled
    /// message: the router holds its first reference while it routes and releases it at the end, so a message that
    /// no session kept (QoS 0 already written, or dropped) goes back to the pool here or at its last write.
    /// </summary>
    public int RoutePublish(in PublishPacket publish, ReadOnlySpan<byte> topic, string publisherClientId, MqttSession publisher)
    {
        var collector = Collector();
        if (_tree.Match(topic, collector, publisher) == 0 && !publish.Retain)
        {
            return 0;
        }

        var message = BrokerMessage.FromPublish(publish, topic, publisherClientId, _time, Pool);
        try
        {
            Retain(message);
            return Deliver(message, collector, Authorization);
        }
        finally
        {
            message.Release();
        }
    }

    /// <summary>Routes <paramref name="message"/> (a will, a $SYS value) and returns the number of sessions it was given to.</summary>
    /// <param name="message">The message.</param>
    /// <param name="publisher">The publishing session, for No Local; null for broker messages.</param>
    public int Route(BrokerMessage message, MqttSession? publisher)
    {
        Retain(message);
        var collector = Collector();
        _tree.Match(message.Topic, collector, publisher);
        return Deliver(message, collector, Authorization);
    }

    /// <summary>
    /// Gives messages that a departed member of a shared subscription had not yet delivered to the other members of
    /// its group (5.0 §4.8.2), chosen by the group's strategy among those still available. Each orphan carries the
    /// reference its session held; it is released here once the message is given to another member (who takes its own)
    /// or is dropped for want of one.
    /// </summary>
    public void RedeliverShared(List<Delivery> orphans)
    {
        foreach (var orphan in orphans)
        {
            orphan.AssertLive();
            try
            {
                RedeliverShared(orphan);
            }
            finally
            {
                orphan.Message.Release();
            }
        }
    }

    private void RedeliverShared(in Delivery orphan)
    {
        var members = orphan.Group!.Members;
        if (members.IsEmpty)
        {
            return;
        }

        int chosen = -1;
        for (int i = 0; i < members.Length && chosen < 0; i++)
        {
            if (members[i].Subscriber.IsAvailable
                && (Authorization is null || Authorization.CanReceive(members[i].Subscriber.Client, orphan.Message.Topic)))
            {
                chosen = i;
            }
        }

        if (chosen >= 0)
        {
            members[chosen].Subscriber.Deliver(orphan with { SubscriptionIdentifiers = null });
        }
    }

    /// <summary>Sends the retained messages matching a new subscription, with RETAIN set ([MQTT-3.3.1-8] in 3.1.1).</summary>
    public void SendRetained(MqttSession session, ReadOnlySpan<byte> topicFilter, QualityOfService grantedQoS, int subscriptionIdentifier)
    {
        var matches = new List<BrokerMessage>();
        _retained.Match(topicFilter, matches);
        long now = _time.GetTimestamp();
        int[]? identifiers = subscriptionIdentifier > 0 ? [subscriptionIdentifier] : null;
        foreach (var message in matches)
        {
            if (message.IsExpired(now))
            {
                // An expired retained message is no longer served, and leaves the store ([MQTT-3.3.2-5] in 5.0).
                _retained.Remove(message.Topic);
                continue;
            }

            if (Authorization is { } authorization && !authorization.CanReceive(session.Client, message.Topic))
            {
                continue;
            }

            var qos = (QualityOfService)Math.Min((int)message.QoS, (int)grantedQoS);
            session.Deliver(new Delivery(message, qos, Retain: true, SubscriptionIdentifiers: identifiers));
        }
    }

    private static SubscriptionCollector<MqttSession> Collector()
    {
        var collector = t_collector ??= new SubscriptionCollector<MqttSession>();
        collector.Clear();
        return collector;
    }

    private void Retain(BrokerMessage message)
    {
        if (message.Retain)
        {
            // A retained message with an empty payload deletes the retained message of the topic and is not stored
            // ([MQTT-3.3.1-10], [MQTT-3.3.1-11] in 3.1.1; [MQTT-3.3.1-6], [MQTT-3.3.1-7] in 5.0).
            if (message.PayloadLength == 0)
            {
                _retained.Remove(message.Topic);
            }
            else
            {
                // The retained store keeps the message for as long as the topic has it, outside any reference count,
                // and a durable store records it on its own thread: pinned, never returned to the pool.
                message.Pin();
                _retained.Set(message);
            }
        }
    }

    private static int Deliver(BrokerMessage message, SubscriptionCollector<MqttSession> collector, Security.TopicAuthorization? authorization)
    {
        collector.CollapsePerSubscriber();
        int delivered = 0;
        var matches = collector.Matches;
        for (int i = 0; i < matches.Length; i++)
        {
            ref readonly var match = ref matches[i];
            if (authorization is not null && !authorization.CanReceive(match.Subscriber.Client, message.Topic))
            {
                // Subscribed, but not (or no longer) allowed to read this topic: $SYS under '#', a right revoked by a reload.
                continue;
            }

            var qos = (QualityOfService)Math.Min((int)message.QoS, (int)match.GrantedQoS);

            // Live forwarding clears RETAIN unless the subscription asked for Retain As Published
            // ([MQTT-3.3.1-9] in 3.1.1; [MQTT-3.3.1-12], [MQTT-3.3.1-13] in 5.0).
            bool retain = match.Options.RetainAsPublished && message.Retain;
            var identifiers = collector.GetSubscriptionIdentifiers(i);
            var outcome = match.Subscriber.Deliver(new Delivery(message, qos, retain, match.SharedGroup, identifiers.IsEmpty ? null : identifiers.ToArray()));
            if (outcome is DeliveryOutcome.Sent or DeliveryOutcome.Queued)
            {
                delivered++;
            }
        }

        collector.Clear();
        return delivered;
    }
}
