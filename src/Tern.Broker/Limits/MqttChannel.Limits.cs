using System.Text;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Limits;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;

namespace Tern.Broker.Channel;

/// <summary>The limits a channel applies to what a connected client sends: topic size and depth, subscriptions, and the memory guard.</summary>
internal sealed partial class MqttChannel
{
    /// <summary>The connection this channel speaks through (for the limits' tests and diagnostics).</summary>
    public MqttConnection Connection => _connection;

    /// <summary>Called by the heartbeat: see <see cref="MqttConnection.CheckSlowConsumer"/>.</summary>
    public void CheckSlowConsumer(long now) => _connection.CheckSlowConsumer(now);

    /// <summary>
    /// Checks a PUBLISH against <see cref="BrokerOptions.MaxTopicLength"/>, <see cref="BrokerOptions.MaxTopicLevels"/>
    /// and the memory guard. False when it must not be routed; <paramref name="keepGoing"/> then says whether the
    /// connection stays open. A topic over a limit: 5.0 QoS 1/2 get PUBACK/PUBREC 0x90 Topic Name invalid, 5.0 QoS 0
    /// DISCONNECT 0x90, 3.1.1 and 3.1 a close. Memory over the guard: 5.0 QoS 1/2 get 0x97 Quota exceeded, 3.1.1 QoS 1/2
    /// a close (it has no way to say no); QoS 0 passes and is shed on the way out.
    /// </summary>
    private bool PublishWithinLimits(in PublishPacket publish, ReadOnlySpan<byte> topic, out bool keepGoing)
    {
        keepGoing = true;
        var options = _engine.Options;
        if (TopicLimits.Exceeded(topic, options.MaxTopicLength, options.MaxTopicLevels) is { } limit)
        {
            NoteTopicLimit(limit, "PUBLISH");
            const string description = "topic name above the broker's MaxTopicLength or MaxTopicLevels";
            if (IsV5 && publish.QoS != QualityOfService.AtMostOnce)
            {
                Acknowledge(publish, ReasonCode.TopicNameInvalid);
                return false;
            }

            keepGoing = Violation(new ProtocolViolation(ReasonCode.TopicNameInvalid, "Tern " + (limit == LimitNames.TopicLength ? nameof(options.MaxTopicLength) : nameof(options.MaxTopicLevels)), description));
            return false;
        }

        if (publish.QoS != QualityOfService.AtMostOnce && _engine.Limits.Memory.IsOverLimit)
        {
            _engine.Limits.Hit(LimitNames.Memory);
            if (IsV5)
            {
                Acknowledge(publish, ReasonCode.QuotaExceeded);
                return false;
            }

            Close(CloseReason.ProtocolViolation);
            keepGoing = false;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Why a SUBSCRIBE's filter is refused by a limit, or Success: over MaxTopicLength / MaxTopicLevels, 5.0 0x8F Topic
    /// Filter invalid; over MaxSubscriptionsPerClient, 5.0 0x97 Quota exceeded; 3.1.1 0x80 for both.
    /// </summary>
    private ReasonCode SubscribeLimitRefusal(ReadOnlySpan<byte> filter)
    {
        var options = _engine.Options;
        if (TopicLimits.Exceeded(filter, options.MaxTopicLength, options.MaxTopicLevels) is { } limit)
        {
            NoteTopicLimit(limit, "SUBSCRIBE");
            return IsV5 ? ReasonCode.TopicFilterInvalid : ReasonCode.UnspecifiedError;
        }

        if (options.MaxSubscriptionsPerClient > 0 && _session is { } session && !session.CanAddSubscription(Encoding.UTF8.GetString(filter), options.MaxSubscriptionsPerClient))
        {
            _engine.Limits.Hit(LimitNames.Subscriptions);
            if (Interlocked.Exchange(ref Extras.SubscriptionLimitLogged, 1) == 0)
            {
                BrokerLog.SubscriptionLimitReached(Logger, ClientId, options.MaxSubscriptionsPerClient);
            }

            return IsV5 ? ReasonCode.QuotaExceeded : ReasonCode.UnspecifiedError;
        }

        return ReasonCode.Success;
    }

    private void NoteTopicLimit(string limit, string packet)
    {
        _engine.Limits.Hit(limit);
        if (Interlocked.Exchange(ref Extras.TopicLimitLogged, 1) == 0)
        {
            var options = _engine.Options;
            bool length = limit == LimitNames.TopicLength;
            BrokerLog.TopicLimitExceeded(Logger, ClientId, packet, length ? nameof(options.MaxTopicLength) : nameof(options.MaxTopicLevels), length ? options.MaxTopicLength : options.MaxTopicLevels);
        }
    }

    private void Acknowledge(in PublishPacket publish, ReasonCode reason) =>
        _connection.Enqueue(OutboundPacket.ForAcknowledgement(publish.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, publish.PacketIdentifier, reason));
}
