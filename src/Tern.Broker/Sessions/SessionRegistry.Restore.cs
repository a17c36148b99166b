using System.Text;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Timers;

namespace Tern.Broker.Sessions;

internal sealed partial class SessionRegistry
{
    /// <summary>
    /// Rebuilds the persistent sessions of a durable store at start, before any client connects: subscriptions back in
    /// the tree, queued and in-flight messages (expired ones dropped), inbound QoS 2 identifiers awaiting PUBREL. Expiry
    /// and will delays count the downtime: a session that was connected at a crash counts as disconnected since the
    /// broker was last alive, its will is published after what remains of its delay, and a session whose expiry passed
    /// while the broker was down ends now (publishing its will). Returns the number of sessions and messages restored.
    /// </summary>
    public (int Sessions, int Messages) Restore(DurableState state, Microsoft.Extensions.Logging.ILogger logger)
    {
        var durable = _durable ?? throw new InvalidOperationException("Restore needs a durable store.");
        var clock = durable.Clock;
        long now = clock.NowUnixMs;
        long nowTimestamp = _limits.Time.GetTimestamp();
        int sessions = 0;
        int messages = 0;
        var willsDue = new List<(BrokerMessage Will, MqttSession Session)>();
        lock (_gate)
        {
            foreach (var stored in state.Sessions)
            {
                long offlineSince = stored.DisconnectedAtUnixMs ?? (state.LastAliveUnixMs > 0 ? state.LastAliveUnixMs : now);
                long elapsedMs = Math.Max(0, now - offlineSince);
                var will = stored.Will is null ? null : BrokerMessage.Restore(stored.Will, clock);
                var session = new MqttSession(stored.ClientId, stored.ExpiryInterval, _limits) { Durable = durable };
                if (stored.ExpiryInterval != MqttSession.NeverExpires && elapsedMs >= stored.ExpiryInterval * 1000L)
                {
                    PersistenceLog.ExpiredWhileDown(logger, stored.ClientId);
                    durable.Write(new SessionRemoved(stored.ClientId));
                    if (will is not null)
                    {
                        willsDue.Add((will, session));
                    }

                    continue;
                }

                var subscriptions = new List<KeyValuePair<string, SubscriptionGrant>>(stored.Subscriptions.Count);
                foreach (var subscription in stored.Subscriptions)
                {
                    _tree.Subscribe(Encoding.UTF8.GetBytes(subscription.TopicFilter), session, subscription.Options);
                    subscriptions.Add(new(subscription.TopicFilter, new SubscriptionGrant(subscription.Options.GrantedQoS, subscription.Options)));
                }

                var deliveries = new List<(Delivery, ushort, bool)>(stored.Deliveries.Count);
                foreach (var d in stored.Deliveries)
                {
                    var message = BrokerMessage.Restore(d.Message, clock);
                    if (message.IsExpired(nowTimestamp) && !d.Released)
                    {
                        durable.Write(new MessageRemoved(d.StoreId));
                        continue;
                    }

                    deliveries.Add((new Delivery(message, d.QoS, d.Retain, SubscriptionIdentifiers: d.SubscriptionIdentifiers, StoreId: d.StoreId), d.PacketIdentifier, d.Released));
                }

                session.Restore(subscriptions, deliveries, stored.AwaitingRelease);
                messages += deliveries.Count;
                if (stored.PagedOut is { Count: > 0 } pagedOut)
                {
                    // Beyond the first page, queued messages stay in the store until the client reads its way to them.
                    session.RestorePagedOut(pagedOut);
                    messages += pagedOut.Count;
                }

                sessions++;
                _store.Save(session);
                if (stored.DisconnectedAtUnixMs is null)
                {
                    // Connected at the crash: from now on it counts as disconnected since the broker was last alive.
                    durable.Write(new SessionDisconnected(stored.ClientId, stored.ExpiryInterval, offlineSince, stored.Will is null ? null : will, stored.WillDelay));
                }

                if (stored.ExpiryInterval != MqttSession.NeverExpires)
                {
                    var left = TimeSpan.FromMilliseconds((stored.ExpiryInterval * 1000L) - elapsedMs);
                    session.ExpiryTimer = new DeadlineTimer(_limits.Time, left, () => Expire(session));
                }

                if (will is not null)
                {
                    long delayMs = Math.Min(stored.WillDelay, stored.ExpiryInterval) * 1000L;
                    if (elapsedMs >= delayMs)
                    {
                        durable.Write(new SessionWillCleared(stored.ClientId));
                        willsDue.Add((will, session));
                    }
                    else
                    {
                        session.PendingWill = will;
                        session.WillTimer = new DeadlineTimer(_limits.Time, TimeSpan.FromMilliseconds(delayMs - elapsedMs), () => PublishPendingWill(session));
                    }
                }
            }

            // Wills go out once every session is back, so that the subscribers of a will receive it.
            foreach (var (will, session) in willsDue)
            {
                _publishWill(will, session);
            }
        }

        return (sessions, messages);
    }
}
