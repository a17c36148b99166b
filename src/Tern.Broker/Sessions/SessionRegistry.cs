using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Routing;
using Tern.Broker.Timers;

namespace Tern.Broker.Sessions;

/// <summary>
/// Client Identifier → session, and the rules for taking one over, ending one and expiring one: a CONNECT with the
/// id of a connected client displaces the older connection ([MQTT-3.1.4-2] in 3.1.1, [MQTT-3.1.4-3] in 5.0), Clean
/// Session / Clean Start 1 discards what was stored ([MQTT-3.1.2-6] in 3.1.1, [MQTT-3.1.2-4] in 5.0), an offline
/// session ends after its Session Expiry Interval, and a will with a Will Delay Interval waits for min(delay, expiry)
/// unless the client comes back first (5.0 §3.1.3.2.2).
/// </summary>
/// <remarks>
/// Connect, disconnect, expiry and will timers run under one lock, so that two connections racing for one id are
/// ordered and the CONNACK of the winner is queued before any message of its session. Publishing never takes it.
/// With a durable store, persistent sessions (expiry above 0 when created) are recorded as they are created, resumed,
/// left and ended; SessionRegistry.Restore.cs rebuilds them at start.
/// </remarks>
internal sealed partial class SessionRegistry
{
    private readonly object _gate = new();
    private readonly ISessionStore _store;
    private readonly SubscriptionTree<MqttSession> _tree;
    private readonly SessionLimits _limits;
    private readonly Action<BrokerMessage, MqttSession?> _publishWill;
    private readonly Action<List<Delivery>> _redeliver;
    private readonly Action<MqttSession> _ended;
    private long _expired;
    private readonly DurableWriter? _durable;

    public SessionRegistry(
        ISessionStore store,
        SubscriptionTree<MqttSession> tree,
        SessionLimits limits,
        Action<BrokerMessage, MqttSession?> publishWill,
        Action<List<Delivery>> redeliver,
        Action<MqttSession> ended,
        DurableWriter? durable = null)
    {
        _durable = durable;
        _store = store;
        _tree = tree;
        _limits = limits;
        _publishWill = publishWill;
        _redeliver = redeliver;
        _ended = ended;
    }

    /// <summary>Sessions stored, connected or not.</summary>
    public int Count => _store.Count;

    /// <summary>Sessions ended by their expiry interval since start (<c>$SYS/broker/clients/expired</c>).</summary>
    public long ExpiredCount => Volatile.Read(ref _expired);

    /// <summary>A snapshot of every session.</summary>
    public IReadOnlyCollection<MqttSession> GetAll() => _store.GetAll();

    /// <summary>
    /// Finds or creates the session for a CONNECT and attaches <paramref name="connection"/> to it, under the registry
    /// lock, in this order: the displaced connection (if any) is detached and reported through
    /// <paramref name="displaced"/>; a will waiting for its delay is cancelled (the client is back); then
    /// <see cref="ISessionConnection.OnSessionAttaching"/> runs with "session present" (CONNACK is queued there); then the session
    /// is attached, which resends what was in flight and fills the window. <paramref name="will"/> and
    /// <paramref name="willDelay"/> are the new connection's will, recorded with a persistent session so that a crash
    /// does not lose it.
    /// </summary>
    public MqttSession Connect(
        string clientId,
        bool cleanStart,
        uint expiryInterval,
        ISessionConnection connection,
        out ISessionConnection? displaced,
        BrokerMessage? will = null,
        uint willDelay = 0)
    {
        lock (_gate)
        {
            displaced = null;
            bool present = false;
            if (_store.TryGet(clientId, out var existing))
            {
                displaced = existing.Connection;
                if (displaced is not null && existing.Detach(displaced, out var orphans) && orphans is not null)
                {
                    _redeliver(orphans);
                }

                if (cleanStart || existing.EndsWithConnection)
                {
                    EndSession(existing);
                    existing = null;
                }
                else
                {
                    present = true;
                    CancelTimers(existing);
                    existing.PendingWill = null;
                }
            }

            var session = existing ?? new MqttSession(clientId, expiryInterval, _limits);
            session.ExpiryInterval = expiryInterval;
            if (existing is null)
            {
                if (_durable is not null && expiryInterval > 0)
                {
                    session.Durable = _durable;
                }

                _store.Save(session);
            }

            session.Durable?.Write(new SessionConnected(clientId, expiryInterval, will, willDelay));

            connection.OnSessionAttaching(present);
            session.Attach(connection);
            return session;
        }
    }

    /// <summary>
    /// Detaches a closing connection and decides the fate of its will and of its session.
    /// </summary>
    /// <param name="session">The connection's session.</param>
    /// <param name="connection">The closing connection.</param>
    /// <param name="will">The will to publish, or null when the client said DISCONNECT or the broker is stopping.</param>
    /// <param name="willDelay">The Will Delay Interval in seconds (0 before 5.0).</param>
    /// <returns>Whether the session ended.</returns>
    public bool Disconnect(MqttSession session, ISessionConnection connection, BrokerMessage? will, uint willDelay)
    {
        lock (_gate)
        {
            bool detached = session.Detach(connection, out var orphans);
            if (orphans is not null)
            {
                _redeliver(orphans);
            }

            if (!detached)
            {
                // Taken over. The session went on with the new connection unless that one asked for a clean start; the
                // will waits only if the session went on and a delay was asked for (5.0 §3.1.3.2.2), otherwise it goes now.
                bool continued = _store.TryGet(session.ClientId, out var current) && ReferenceEquals(current, session);
                if (will is not null && !(continued && willDelay > 0))
                {
                    _publishWill(will, session);
                }

                return false;
            }

            if (will is not null)
            {
                if (willDelay == 0 || session.EndsWithConnection)
                {
                    _publishWill(will, session);
                }
                else
                {
                    session.PendingWill = will;
                    session.WillTimer = new DeadlineTimer(_limits.Time, Seconds(Math.Min(willDelay, session.ExpiryInterval)), () => PublishPendingWill(session));
                }
            }

            if (session.EndsWithConnection)
            {
                EndSession(session);
                return true;
            }

            if (session.Durable is { } durable)
            {
                durable.Write(new SessionDisconnected(session.ClientId, session.ExpiryInterval, durable.Clock.NowUnixMs, session.PendingWill, willDelay));
            }

            if (session.ExpiryInterval != MqttSession.NeverExpires)
            {
                session.ExpiryTimer = new DeadlineTimer(_limits.Time, Seconds(session.ExpiryInterval), () => Expire(session));
            }

            return false;
        }
    }

    /// <summary>Ends a session now, whether connected or not (for an operator's "delete session").</summary>
    public bool Remove(string clientId)
    {
        lock (_gate)
        {
            if (!_store.TryGet(clientId, out var session))
            {
                return false;
            }

            EndSession(session);
            return true;
        }
    }

    private void Expire(MqttSession session)
    {
        lock (_gate)
        {
            if (session.Connection is null && _store.TryGet(session.ClientId, out var current) && ReferenceEquals(current, session))
            {
                Interlocked.Increment(ref _expired);
                EndSession(session);
            }
        }
    }

    private void PublishPendingWill(MqttSession session)
    {
        lock (_gate)
        {
            if (session.PendingWill is { } will && session.Connection is null)
            {
                session.PendingWill = null;
                session.Durable?.Write(new SessionWillCleared(session.ClientId));
                _publishWill(will, session);
            }
        }
    }

    // Caller holds the lock. A will still waiting for its delay is published when the session ends (5.0 §3.1.3.2.2:
    // "or the Session ends, whichever happens first").
    private void EndSession(MqttSession session)
    {
        CancelTimers(session);
        if (session.PendingWill is { } will)
        {
            session.PendingWill = null;
            _publishWill(will, session);
        }

        _store.Remove(session);
        _tree.RemoveAll(session);
        session.Durable?.Write(new SessionRemoved(session.ClientId));
        session.Durable = null;
        session.Clear();
        _ended(session);
    }

    private static void CancelTimers(MqttSession session)
    {
        session.ExpiryTimer?.Dispose();
        session.ExpiryTimer = null;
        session.WillTimer?.Dispose();
        session.WillTimer = null;
    }

    private static TimeSpan Seconds(uint seconds) => TimeSpan.FromSeconds(seconds);
}
