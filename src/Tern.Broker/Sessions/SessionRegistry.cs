using Tern.Broker.Persistence;
using Tern.Broker.Routing;

namespace Tern.Broker.Sessions;

/// <summary>
/// Client Identifier → session, and the rules for taking one over: a CONNECT with the id of a connected client
/// displaces the older connection ([MQTT-3.1.4-2] in 3.1.1, [MQTT-3.1.4-3] in 5.0), Clean Session 1 discards what
/// was stored ([MQTT-3.1.2-6] in 3.1.1, [MQTT-3.1.2-4] in 5.0).
/// </summary>
/// <remarks>
/// Connect and end-of-session run under one lock, so that two connections racing for one id are ordered and the
/// CONNACK of the winner is queued before any message of its session. Publishing never takes this lock.
/// </remarks>
internal sealed class SessionRegistry
{
    private readonly object _gate = new();
    private readonly ISessionStore _store;
    private readonly SubscriptionTree<MqttSession> _tree;
    private readonly SessionLimits _limits;

    public SessionRegistry(ISessionStore store, SubscriptionTree<MqttSession> tree, SessionLimits limits)
    {
        _store = store;
        _tree = tree;
        _limits = limits;
    }

    /// <summary>Sessions stored, connected or not.</summary>
    public int Count => _store.Count;

    /// <summary>A snapshot of every session.</summary>
    public IReadOnlyCollection<MqttSession> GetAll() => _store.GetAll();

    /// <summary>
    /// Finds or creates the session for a CONNECT and attaches <paramref name="connection"/> to it. Everything happens
    /// under the registry lock, in this order: the displaced connection (if any) is detached and reported through
    /// <paramref name="displaced"/>; <paramref name="beforeAttach"/> runs (the caller queues CONNACK there); the
    /// session is attached, which resends what was in flight and fills the window.
    /// </summary>
    public MqttSession Connect(
        string clientId,
        bool cleanStart,
        bool endsWithConnection,
        ISessionConnection connection,
        Action<bool> beforeAttach,
        out ISessionConnection? displaced)
    {
        lock (_gate)
        {
            displaced = null;
            bool present = false;
            if (_store.TryGet(clientId, out var existing))
            {
                displaced = existing.Connection;
                if (displaced is not null)
                {
                    existing.Detach(displaced);
                }

                if (cleanStart || existing.EndsWithConnection)
                {
                    EndSession(existing);
                    existing = null;
                }
                else
                {
                    present = true;
                }
            }

            var session = existing ?? new MqttSession(clientId, endsWithConnection, _limits);
            session.EndsWithConnection = endsWithConnection;
            if (existing is null)
            {
                _store.Save(session);
            }

            beforeAttach(present);
            session.Attach(connection);
            return session;
        }
    }

    /// <summary>
    /// Detaches a closing connection. If the session ends with its connection (Clean Session 1, or a 5.0 Session
    /// Expiry Interval of 0) and no newer connection took it over, the session is removed with its subscriptions.
    /// Returns whether this connection was still the session's own.
    /// </summary>
    public bool Disconnect(MqttSession session, ISessionConnection connection)
    {
        lock (_gate)
        {
            if (!session.Detach(connection))
            {
                return false;
            }

            if (session.EndsWithConnection)
            {
                EndSession(session);
            }

            return true;
        }
    }

    // Caller holds the lock.
    private void EndSession(MqttSession session)
    {
        _store.Remove(session);
        _tree.RemoveAll(session);
        session.Clear();
    }
}
