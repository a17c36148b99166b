namespace Tern.Broker.Sessions;

internal sealed partial class MqttSession
{
    private Dictionary<string, SubscriptionGrant>? _subscriptions; // created by the first SUBSCRIBE

    /// <summary>Records a subscription; returns true when it replaced one with the same filter.</summary>
    public bool SetSubscription(string topicFilter, SubscriptionGrant grant)
    {
        lock (_gate)
        {
            bool replaced = (_subscriptions ??= new(StringComparer.Ordinal)).ContainsKey(topicFilter);
            _subscriptions[topicFilter] = grant;
            _durable?.Write(new Persistence.SubscriptionSet(ClientId, topicFilter, grant.Options with { GrantedQoS = grant.QoS }));
            return replaced;
        }
    }

    /// <summary>Forgets a subscription; returns whether it existed.</summary>
    public bool RemoveSubscription(string topicFilter)
    {
        lock (_gate)
        {
            if (_subscriptions is null || !_subscriptions.Remove(topicFilter))
            {
                return false;
            }

            _durable?.Write(new Persistence.SubscriptionRemoved(ClientId, topicFilter));
            return true;
        }
    }

    /// <summary>A snapshot of the subscriptions.</summary>
    public KeyValuePair<string, SubscriptionGrant>[] GetSubscriptions()
    {
        lock (_gate)
        {
            return _subscriptions is null ? [] : [.. _subscriptions];
        }
    }

    // Caller holds the lock.
    private void ClearSubscriptions() => _subscriptions?.Clear();
}
