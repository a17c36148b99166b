using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Security;

/// <summary>
/// The broker's side of an <see cref="IMqttAuthorizer"/>: every check fails closed (no client identity, or an
/// authorizer that throws, is a denial) and every denial is counted on <c>tern.acl.denials</c>.
/// </summary>
/// <remarks>
/// Exists only when an authorizer is configured: without one the broker holds null and checks nothing, so PUBLISH,
/// SUBSCRIBE and delivery pay a single null check. Thread-safe; allocates nothing.
/// </remarks>
internal sealed class TopicAuthorization(IMqttAuthorizer authorizer, ILogger logger, BrokerMetrics metrics)
{
    /// <summary>The authorizer consulted.</summary>
    public IMqttAuthorizer Authorizer => authorizer;

    /// <summary>Whether <paramref name="client"/> may publish to <paramref name="topicName"/>.</summary>
    public bool CanPublish(MqttClientContext? client, ReadOnlySpan<byte> topicName) =>
        Check(client, topicName, Action.Publish);

    /// <summary>Whether <paramref name="client"/> may subscribe to <paramref name="topicFilter"/> (without <c>$share/{name}/</c>).</summary>
    public bool CanSubscribe(MqttClientContext? client, ReadOnlySpan<byte> topicFilter) =>
        Check(client, topicFilter, Action.Subscribe);

    /// <summary>Whether a message on <paramref name="topicName"/> may be delivered to <paramref name="client"/>.</summary>
    public bool CanReceive(MqttClientContext? client, ReadOnlySpan<byte> topicName) =>
        Check(client, topicName, Action.Receive);

    private bool Check(MqttClientContext? client, ReadOnlySpan<byte> topic, Action action)
    {
        bool allowed;
        if (client is null)
        {
            allowed = false;
        }
        else
        {
            try
            {
                allowed = action switch
                {
                    Action.Publish => authorizer.CanPublish(client, topic),
                    Action.Subscribe => authorizer.CanSubscribe(client, topic),
                    _ => authorizer.CanReceive(client, topic),
                };
            }
            catch (Exception ex)
            {
                // IMqttAuthorizer: an exception is a denial, never a crashed read loop.
                BrokerLog.AuthorizerFailed(logger, client.ClientId, ActionName(action), ex);
                allowed = false;
            }
        }

        if (!allowed)
        {
            metrics.AclDenied(ActionName(action));
        }

        return allowed;
    }

    private static string ActionName(Action action) => action switch
    {
        Action.Publish => "publish",
        Action.Subscribe => "subscribe",
        _ => "receive",
    };

    private enum Action
    {
        Publish,
        Subscribe,
        Receive,
    }
}
