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

        if (IsV5)
        {
            if (publish.Properties.TryGetInteger(PropertyId.TopicAlias, out _))
            {
                // CONNACK announced no Topic Alias Maximum, which means 0: the client may not use aliases ([MQTT-3.2.2-17] in 5.0).
                return Violation(new ProtocolViolation(ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.2.2-17", "Topic Alias used although the broker allows none"));
            }

            if (publish.Properties.TryGetInteger(PropertyId.SubscriptionIdentifier, out _))
            {
                return Violation(ProtocolViolation.ProtocolError("5.0 MQTT-3.3.4-6", "Subscription Identifier in a PUBLISH from a client"));
            }
        }

        _engine.Metrics.MessageReceived();
        var session = _session!;
        switch (publish.QoS)
        {
            case QualityOfService.AtMostOnce:
                _engine.Router.RoutePublish(publish, ClientId, session);
                return true;
            case QualityOfService.AtLeastOnce:
                int delivered = _engine.Router.RoutePublish(publish, ClientId, session);
                _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, publish.PacketIdentifier, NoMatchingSubscribers(delivered)));
                return true;
            default:
                // Exactly once: route the first copy of a packet identifier only; a resend before PUBREL is answered
                // with PUBREC again and not routed ([MQTT-4.3.3-2] in 3.1.1 and 5.0).
                if (session.TryBeginInboundExactlyOnce(publish.PacketIdentifier))
                {
                    if (session.AwaitingReleaseCount > _engine.Options.MaxAwaitingRelease)
                    {
                        session.Release(publish.PacketIdentifier);
                        BrokerLog.AwaitingReleaseExceeded(Logger, ClientId, _engine.Options.MaxAwaitingRelease);
                        return Violation(new ProtocolViolation(ReasonCode.ReceiveMaximumExceeded, "5.0 §4.9", "too many QoS 2 messages awaiting PUBREL"));
                    }

                    delivered = _engine.Router.RoutePublish(publish, ClientId, session);
                    _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRec, publish.PacketIdentifier, NoMatchingSubscribers(delivered)));
                }
                else
                {
                    _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRec, publish.PacketIdentifier));
                }

                return true;
        }
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
                _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRel, ack.PacketIdentifier, known ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound));
                break;
            case PacketType.PubRel:
                bool released = session.Release(ack.PacketIdentifier);
                _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubComp, ack.PacketIdentifier, released ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound));
                break;
            case PacketType.PubComp:
                session.Complete(ack.PacketIdentifier);
                break;
        }

        return true;
    }
}
