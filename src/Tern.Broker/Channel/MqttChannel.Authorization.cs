using System.Text;
using Microsoft.Extensions.Logging;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Security;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Topics;

namespace Tern.Broker.Channel;

/// <summary>What a connected client may publish and subscribe to (docs/security.md, "What a denial looks like").</summary>
internal sealed partial class MqttChannel
{
    /// <summary>
    /// A PUBLISH the client may not make: never routed nor retained. 5.0: PUBACK / PUBREC 0x87 for QoS 1 / 2, a QoS 0
    /// message dropped. 3.1 / 3.1.1 (which cannot say no): acknowledged as usual and dropped, as Mosquitto, or the
    /// connection closed with <see cref="SecurityOptions.DisconnectOnDeniedPublish"/>. The first denial of a connection
    /// is logged as a warning, the rest at debug level, so a client cannot flood the log; all are counted.
    /// </summary>
    private bool DenyPublish(in PublishPacket publish, ReadOnlySpan<byte> topic, string why)
    {
        var level = ++Extras.PublishDenials == 1 ? LogLevel.Warning : LogLevel.Debug;
        if (Logger.IsEnabled(level))
        {
            BrokerLog.PublishDenied(Logger, level, ClientId, UserName ?? "(anonymous)", Encoding.UTF8.GetString(topic), why);
        }

        _engine.Metrics.MessageDropped("not_authorized");
        if (!IsV5 && _engine.Security.DisconnectOnDeniedPublish)
        {
            Close(CloseReason.ProtocolViolation);
            return false;
        }

        switch (publish.QoS)
        {
            case QualityOfService.AtLeastOnce:
                _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, publish.PacketIdentifier, IsV5 ? ReasonCode.NotAuthorized : ReasonCode.Success));
                break;
            case QualityOfService.ExactlyOnce:
                // 5.0: a PUBREC with a failure code ends the exchange (§4.3.3); 3.1.1: the PUBREL that follows gets PUBCOMP.
                _connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRec, publish.PacketIdentifier, IsV5 ? ReasonCode.NotAuthorized : ReasonCode.Success));
                break;
        }

        return true;
    }

    /// <summary>
    /// Asks the authorizer about a Topic Filter; a Shared Subscription is judged by its filter after
    /// <c>$share/{ShareName}/</c>, since that decides which messages arrive.
    /// </summary>
    private bool MaySubscribe(TopicAuthorization authorization, ReadOnlySpan<byte> filter)
    {
        var judged = SharedSubscription.TryParse(filter, out _, out var shared) ? shared : filter;
        if (authorization.CanSubscribe(_client, judged))
        {
            return true;
        }

        BrokerLog.SubscribeDenied(Logger, ClientId, UserName ?? "(anonymous)", Encoding.UTF8.GetString(filter));
        return false;
    }
}
