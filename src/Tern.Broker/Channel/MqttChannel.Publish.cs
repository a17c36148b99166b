using System.Text.Unicode;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    private bool ProcessPublish(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!PublishPacket.TryDecode(header, body, ProtocolVersion, out var publish, out var violation))
        {
            return Violation(violation);
        }

        var options = _engine.Options;
        var topic = publish.TopicName;
        if (IsV5)
        {
            if (!TryResolveTopicAlias(publish, ref topic, out violation))
            {
                return Violation(violation);
            }

            if (publish.Properties.TryGetInteger(PropertyId.SubscriptionIdentifier, out _))
            {
                return Violation(ProtocolViolation.ProtocolError("5.0 MQTT-3.3.4-6", "Subscription Identifier in a PUBLISH from a client"));
            }
        }

        if (publish.Retain && !options.RetainAvailable)
        {
            return Violation(new ProtocolViolation(ReasonCode.RetainNotSupported, "5.0 §3.2.2.3.5", "retained message although Retain Available is 0"));
        }

        if ((int)publish.QoS > options.MaximumQoS)
        {
            return Violation(new ProtocolViolation(ReasonCode.QoSNotSupported, "5.0 §3.2.2.3.4", "QoS above the broker's Maximum QoS"));
        }

        _engine.Metrics.MessageReceived();
        if (IsV5 && options.ValidatePayloadFormat && publish.Properties.GetIntegerOrNull(PropertyId.PayloadFormatIndicator) == 1 && !Utf8.IsValid(publish.Payload))
        {
            // 5.0 §3.3.2.3.2: a payload that says it is UTF-8 and is not; refused with 0x99, not routed.
            return RefusePublish(publish, ReasonCode.PayloadFormatInvalid, "payload is not the UTF-8 its Payload Format Indicator promises");
        }

        if (!PublishWithinLimits(publish, topic, out bool keepGoing))
        {
            return keepGoing;
        }

        if ((!topic.IsEmpty && topic[0] == (byte)'$') || _engine.Security.Authorization is not null)
        {
            if (!MayPublish(_client, topic, out string? why))
            {
                return DenyPublish(publish, topic, why);
            }
        }

        var session = _session!;
        if (publish.QoS != QualityOfService.AtMostOnce && StoreFaulted)
        {
            return RefuseWhileStoreFaulted(publish);
        }

        long writesBefore = Persistence.DurableWriter.ThreadWrites;
        switch (publish.QoS)
        {
            case QualityOfService.AtMostOnce:
                _engine.Router.RoutePublish(publish, topic, ClientId, session);
                return true;
            case QualityOfService.AtLeastOnce:
                return RouteAtLeastOnce(publish, topic, session, writesBefore);
            default:
                // Exactly once: route the first copy of a packet identifier only; a resend before PUBREL is answered
                // with PUBREC again and not routed ([MQTT-4.3.3-2] in 3.1.1 and 5.0).
                if (session.TryBeginInboundExactlyOnce(publish.PacketIdentifier))
                {
                    if (session.AwaitingReleaseCount > options.MaxAwaitingRelease)
                    {
                        session.Release(publish.PacketIdentifier);
                        BrokerLog.AwaitingReleaseExceeded(Logger, ClientId, options.MaxAwaitingRelease);
                        return Violation(new ProtocolViolation(ReasonCode.ReceiveMaximumExceeded, "5.0 §3.3.4", "more QoS 2 messages awaiting PUBREL than the broker's Receive Maximum"));
                    }

                    int delivered = _engine.Router.RoutePublish(publish, topic, ClientId, session);
                    AcknowledgePublish(PacketType.PubRec, publish.PacketIdentifier, NoMatchingSubscribers(delivered), writesBefore);
                }
                else
                {
                    Acknowledge(OutboundPacket.ForAcknowledgement(PacketType.PubRec, publish.PacketIdentifier), writesBefore);
                }

                return true;
        }
    }

    // QoS 1: with ack durability the copies queued for persistent sessions are counted (DurableTicket), so the PUBACK
    // may go once they are all acknowledged by their subscribers, if that comes before their commit.
    private bool RouteAtLeastOnce(in PublishPacket publish, ReadOnlySpan<byte> topic, Sessions.MqttSession session, long writesBefore)
    {
        if (_engine.Durable is not { DefersAcknowledgements: true })
        {
            int routed = _engine.Router.RoutePublish(publish, topic, ClientId, session);
            AcknowledgePublish(PacketType.PubAck, publish.PacketIdentifier, NoMatchingSubscribers(routed), writesBefore);
            return true;
        }

        Persistence.DurableTicket? ticket;
        int delivered;
        Persistence.DurableWriter.BeginTicket();
        try
        {
            delivered = _engine.Router.RoutePublish(publish, topic, ClientId, session);
        }
        finally
        {
            ticket = Persistence.DurableWriter.EndTicket();
        }

        AcknowledgePublish(PacketType.PubAck, publish.PacketIdentifier, NoMatchingSubscribers(delivered), writesBefore, ticket);
        return true;
    }

    /// <summary>
    /// Inbound Topic Alias (5.0 §3.3.2.3.4): a PUBLISH with a topic and an alias sets the alias; one with an empty topic
    /// uses it. An alias of 0 or above the Topic Alias Maximum the broker announced is 0x94 ([MQTT-3.3.2-9] in 5.0);
    /// an alias never set is a Protocol Error.
    /// </summary>
    private bool TryResolveTopicAlias(in PublishPacket publish, ref ReadOnlySpan<byte> topic, out ProtocolViolation violation)
    {
        violation = default;
        ushort alias = publish.TopicAlias;
        if (alias == 0)
        {
            return true;
        }

        if (alias > _engine.Options.TopicAliasMaximum)
        {
            violation = new ProtocolViolation(ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.3.2-9", "Topic Alias above the Topic Alias Maximum");
            return false;
        }

        var aliases = Extras.TopicAliases ??= new byte[]?[_engine.Options.TopicAliasMaximum + 1];
        if (!topic.IsEmpty)
        {
            aliases[alias] = topic.ToArray();
            return true;
        }

        if (aliases[alias] is not { } known)
        {
            violation = ProtocolViolation.ProtocolError("5.0 §3.3.2.3.4", "Topic Alias used before it was set");
            return false;
        }

        topic = known;
        return true;
    }

    /// <summary>A PUBLISH the broker will not route: QoS 1/2 get the reason in PUBACK/PUBREC (5.0), QoS 0 a DISCONNECT.</summary>
    private bool RefusePublish(in PublishPacket publish, ReasonCode reason, string description)
    {
        if (publish.QoS == QualityOfService.AtMostOnce)
        {
            return Violation(new ProtocolViolation(reason, "5.0 §3.3.4", description));
        }

        BrokerLog.PublishRefused(Logger, ClientId, description);
        _connection.Enqueue(OutboundPacket.ForAcknowledgement(publish.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, publish.PacketIdentifier, reason));
        return true;
    }

    // 5.0 lets the acknowledgement say nobody received the message (0x10); it is still a success code.
    private ReasonCode NoMatchingSubscribers(int delivered) =>
        delivered == 0 && IsV5 ? ReasonCode.NoMatchingSubscribers : ReasonCode.Success;

    private bool ProcessAcknowledgement(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!PubAckPacket.TryDecode(header, body, ProtocolVersion, out var ack, out var violation))
        {
            return Violation(violation);
        }

        var session = _session!;
        long writesBefore = Persistence.DurableWriter.ThreadWrites;
        switch (ack.Type)
        {
            case PacketType.PubAck:
                session.Acknowledge(ack.PacketIdentifier);
                break;
            case PacketType.PubRec:
                if (ReasonCodes.IsFailure(ack.ReasonCode))
                {
                    // 5.0 §4.3.3: a PUBREC with a failure code ends the exchange; no PUBREL follows.
                    session.Complete(ack.PacketIdentifier);
                    break;
                }

                bool known = session.Received(ack.PacketIdentifier);
                AcknowledgeOrClose(OutboundPacket.ForAcknowledgement(PacketType.PubRel, ack.PacketIdentifier, known ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound), writesBefore);
                break;
            case PacketType.PubRel:
                bool released = session.Release(ack.PacketIdentifier);
                AcknowledgeOrClose(OutboundPacket.ForAcknowledgement(PacketType.PubComp, ack.PacketIdentifier, released ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound), writesBefore);
                break;
            case PacketType.PubComp:
                session.Complete(ack.PacketIdentifier);
                break;
        }

        return true;
    }
}
