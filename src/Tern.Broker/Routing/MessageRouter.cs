using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Sessions;
using Tern.Protocol;

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
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;

    public MessageRouter(SubscriptionTree<MqttSession> tree, IRetainedMessageStore retained, BrokerMetrics metrics, ILogger logger)
    {
        _tree = tree;
        _retained = retained;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>
    /// Routes a received PUBLISH: matches first, and copies the message out of the receive buffer only when a session
    /// will receive it or it must be retained, so a message nobody wants costs no allocation.
    /// </summary>
    public int RoutePublish(in Tern.Protocol.Packets.PublishPacket publish, string publisherClientId, MqttSession publisher)
    {
        var collector = t_collector ??= new SubscriptionCollector<MqttSession>();
        collector.Clear();
        if (_tree.Match(publish.TopicName, collector, publisher) == 0 && !publish.Retain)
        {
            return 0;
        }

        var message = BrokerMessage.FromPublish(publish, publish.TopicName, publisherClientId);
        Retain(message);
        return Deliver(message, collector);
    }

    /// <summary>Routes <paramref name="message"/> and returns the number of sessions it was given to.</summary>
    /// <param name="message">The message.</param>
    /// <param name="publisher">The publishing session, for No Local; null for broker messages.</param>
    public int Route(BrokerMessage message, MqttSession? publisher)
    {
        Retain(message);
        var collector = t_collector ??= new SubscriptionCollector<MqttSession>();
        collector.Clear();
        _tree.Match(message.Topic, collector, publisher);
        return Deliver(message, collector);
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
                _retained.Set(message);
            }
        }

    }

    private int Deliver(BrokerMessage message, SubscriptionCollector<MqttSession> collector)
    {
        collector.CollapsePerSubscriber();
        int delivered = 0;
        foreach (ref readonly var match in collector.Matches)
        {
            var qos = (QualityOfService)Math.Min((int)message.QoS, (int)match.GrantedQoS);

            // Live forwarding clears RETAIN unless the subscription asked for Retain As Published
            // ([MQTT-3.3.1-9] in 3.1.1; [MQTT-3.3.1-12], [MQTT-3.3.1-13] in 5.0).
            bool retain = match.Options.RetainAsPublished && message.Retain;
            var outcome = match.Subscriber.Deliver(message, qos, retain);
            CountOutcome(match.Subscriber, outcome);
            if (outcome is DeliveryOutcome.Sent or DeliveryOutcome.Queued)
            {
                delivered++;
            }
        }

        collector.Clear();
        return delivered;
    }

    /// <summary>Sends the retained messages matching a new subscription, with RETAIN set ([MQTT-3.3.1-8] in 3.1.1).</summary>
    public void SendRetained(MqttSession session, ReadOnlySpan<byte> topicFilter, QualityOfService grantedQoS)
    {
        var matches = new List<BrokerMessage>();
        _retained.Match(topicFilter, matches);
        foreach (var message in matches)
        {
            var qos = (QualityOfService)Math.Min((int)message.QoS, (int)grantedQoS);
            CountOutcome(session, session.Deliver(message, qos, retain: true));
        }
    }

    private void CountOutcome(MqttSession session, DeliveryOutcome outcome)
    {
        switch (outcome)
        {
            case DeliveryOutcome.DroppedQueueFull:
                _metrics.MessageDropped("queue_full");
                if (session.MarkQueueFull())
                {
                    BrokerLog.QueueFull(_logger, session.ClientId, session.Limits.MaxQueuedMessages, session.Limits.OverflowPolicy.ToString());
                }

                break;
            case DeliveryOutcome.DroppedOffline:
                _metrics.MessageDropped("offline_qos0");
                break;
        }
    }
}
