using System.Buffers;
using System.Text;
using Tern.Broker.Connections;
using Tern.Broker.Routing;
using Tern.Broker.Sessions;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;
using Tern.Protocol.Topics;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    private bool ProcessSubscribe(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!SubscribePacket.TryDecode(header, body, ProtocolVersion, out var subscribe, out var violation))
        {
            return Violation(violation);
        }

        var options = _engine.Options;
        int subscriptionIdentifier = 0;
        if (IsV5 && subscribe.Properties.TryGetInteger(PropertyId.SubscriptionIdentifier, out uint identifier))
        {
            if (!options.SubscriptionIdentifiersAvailable)
            {
                // CONNACK said Subscription Identifier Available = 0 (5.0 §3.2.2.3.12: then DISCONNECT 0xA1).
                return Violation(new ProtocolViolation(ReasonCode.SubscriptionIdentifiersNotSupported, "5.0 §3.2.2.3.12", "Subscription Identifier sent although the broker announced none"));
            }

            subscriptionIdentifier = (int)identifier;
        }

        var session = _session!;
        long writesBefore = Persistence.DurableWriter.ThreadWrites;
        var codes = new ReasonCode[subscribe.Subscriptions.Count];
        var granted = new List<(byte[] Filter, QualityOfService QoS, Tern.Protocol.Packets.RetainHandling Handling, bool IsNew)>(codes.Length);
        int i = 0;
        foreach (var request in subscribe.Subscriptions)
        {
            var filter = request.TopicFilter;
            var filterViolation = TopicFilter.Validate(filter, ProtocolVersion);
            if (!filterViolation.IsNone)
            {
                // A filter the broker cannot accept fails alone: SUBACK 0x80 (3.1.1 §3.9.3) / 0x8F (5.0 §3.9.3).
                codes[i++] = IsV5 ? ReasonCode.TopicFilterInvalid : ReasonCode.UnspecifiedError;
                continue;
            }

            var refusal = Refusal(filter);
            if (refusal != ReasonCode.Success)
            {
                codes[i++] = refusal;
                continue;
            }

            if (_engine.Security.Authorization is { } authorization && !MaySubscribe(authorization, filter))
            {
                // Not authorized for this filter alone: SUBACK 0x87 (5.0 §3.9.3) / 0x80 Failure (3.1.1 §3.9.3).
                codes[i++] = IsV5 ? ReasonCode.NotAuthorized : ReasonCode.UnspecifiedError;
                continue;
            }

            var qos = (QualityOfService)Math.Min((int)request.Options.QoS, options.MaximumQoS);
            var entry = new SubscriptionEntryOptions
            {
                GrantedQoS = qos,
                NoLocal = IsV5 && request.Options.NoLocal,
                RetainAsPublished = IsV5 && request.Options.RetainAsPublished,
                RetainHandling = (Tern.Broker.Routing.RetainHandling)(byte)request.Options.RetainHandling,
                SubscriptionIdentifier = subscriptionIdentifier,
            };

            // A SUBSCRIBE for a filter the session already has replaces that subscription ([MQTT-3.8.4-3]).
            bool replaced = _engine.Tree.Subscribe(filter, session, entry);
            var filterBytes = filter.ToArray();
            session.SetSubscription(Encoding.UTF8.GetString(filterBytes), new SubscriptionGrant(qos, entry));
            codes[i++] = (ReasonCode)(byte)qos;
            granted.Add((filterBytes, qos, IsV5 ? request.Options.RetainHandling : Tern.Protocol.Packets.RetainHandling.SendAtSubscribe, !replaced));
        }

        var writer = new ArrayBufferWriter<byte>(8 + codes.Length);
        SubAckPacket.Write(writer, new SubAckPacket { PacketIdentifier = subscribe.PacketIdentifier, ReasonCodes = codes }, ProtocolVersion);
        var subAck = writer.WrittenSpan.ToArray();
        AcknowledgeSubscribe(subscribe.PacketIdentifier, codes, granted.ConvertAll(g => g.Filter), SendSubAckAndRetained, writesBefore);
        return true;

        void SendSubAckAndRetained()
        {
            Send(subAck);

            // Retained messages follow the SUBACK; shared subscriptions never receive them (5.0 §4.8.2).
            foreach (var (filter, qos, handling, isNew) in granted)
            {
                bool send = handling switch
                {
                    Tern.Protocol.Packets.RetainHandling.SendAtSubscribe => true,
                    Tern.Protocol.Packets.RetainHandling.SendAtSubscribeIfNew => isNew,
                    _ => false,
                };
                if (send && !SharedSubscription.IsShared(filter))
                {
                    _engine.Router.SendRetained(session, filter, qos, subscriptionIdentifier);
                }
            }
        }
    }

    /// <summary>
    /// Why a valid filter is refused: wildcards or shared subscriptions that the broker announced it does not offer
    /// (5.0: 0xA2 / 0x9E, §3.2.2.3.13 and §3.2.2.3.14; 3.1.1: 0x80). Success when it is accepted.
    /// </summary>
    private ReasonCode Refusal(ReadOnlySpan<byte> filter)
    {
        var options = _engine.Options;
        bool shared = SharedSubscription.IsShared(filter);
        if (shared && !options.SharedSubscriptionsAvailable)
        {
            return IsV5 ? ReasonCode.SharedSubscriptionsNotSupported : ReasonCode.UnspecifiedError;
        }

        if (!options.WildcardSubscriptionAvailable && TopicFilter.HasWildcards(filter))
        {
            return IsV5 ? ReasonCode.WildcardSubscriptionsNotSupported : ReasonCode.UnspecifiedError;
        }

        return SubscribeLimitRefusal(filter);
    }

    private bool ProcessUnsubscribe(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!UnsubscribePacket.TryDecode(header, body, ProtocolVersion, out var unsubscribe, out var violation))
        {
            return Violation(violation);
        }

        var session = _session!;
        long writesBefore = Persistence.DurableWriter.ThreadWrites;
        var codes = new ReasonCode[unsubscribe.TopicFilters.Count];
        int i = 0;
        foreach (var filter in unsubscribe.TopicFilters)
        {
            bool existed = _engine.Tree.Unsubscribe(filter, session);
            session.RemoveSubscription(Encoding.UTF8.GetString(filter));
            codes[i++] = existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted;
        }

        var writer = new ArrayBufferWriter<byte>(8 + codes.Length);
        UnsubAckPacket.Write(writer, new UnsubAckPacket { PacketIdentifier = unsubscribe.PacketIdentifier, ReasonCodes = codes }, ProtocolVersion);
        Acknowledge(OutboundPacket.ForBytes(writer.WrittenSpan.ToArray()), writesBefore);
        return true;
    }
}
