namespace Tern.Broker.Routing;

/// <summary>Where one subscription of a subscriber lives: the node its filter ends at, and its group if shared.</summary>
internal readonly record struct SubscriptionKey<TSubscriber>(TopicNode<TSubscriber> Node, SharedSubscriptionGroup<TSubscriber>? Group)
    where TSubscriber : class;

/// <summary>
/// The tree's index of one subscriber's subscriptions (writer only), so that dropping a session costs O(its
/// subscriptions) rather than a walk of the whole tree. The common case of a single subscription is kept inline.
/// </summary>
internal sealed class SubscriberSubscriptions<TSubscriber>
    where TSubscriber : class
{
    private SubscriptionKey<TSubscriber> _single;
    private bool _hasSingle;
    private HashSet<SubscriptionKey<TSubscriber>>? _many;

    public int Count => _many?.Count ?? (_hasSingle ? 1 : 0);

    public void Add(SubscriptionKey<TSubscriber> key)
    {
        if (_many is not null)
        {
            _many.Add(key);
        }
        else if (!_hasSingle)
        {
            _single = key;
            _hasSingle = true;
        }
        else if (_single != key)
        {
            _many = [_single, key];
            _single = default;
            _hasSingle = false;
        }
    }

    public bool Remove(SubscriptionKey<TSubscriber> key)
    {
        if (_many is not null)
        {
            return _many.Remove(key);
        }

        if (_hasSingle && _single == key)
        {
            _single = default;
            _hasSingle = false;
            return true;
        }

        return false;
    }

    /// <summary>Copies the keys into <paramref name="destination"/> (cleared first).</summary>
    public void CopyTo(List<SubscriptionKey<TSubscriber>> destination)
    {
        destination.Clear();
        if (_many is not null)
        {
            destination.AddRange(_many);
        }
        else if (_hasSingle)
        {
            destination.Add(_single);
        }
    }
}
