namespace Tern.Broker.Persistence;

/// <summary>
/// Where sessions live between connections, keyed by Client Identifier. The in-memory store keeps the session objects
/// themselves; a durable store (the persistence issue) keeps their state on disk and rebuilds them at start.
/// Implementations are safe for concurrent use.
/// </summary>
internal interface ISessionStore
{
    /// <summary>How many sessions exist, connected or not.</summary>
    int Count { get; }

    /// <summary>Finds the session of a client.</summary>
    bool TryGet(string clientId, out Sessions.MqttSession session);

    /// <summary>Adds or replaces the session of its client.</summary>
    void Save(Sessions.MqttSession session);

    /// <summary>Removes <paramref name="session"/> if it is still the stored session of its client.</summary>
    bool Remove(Sessions.MqttSession session);

    /// <summary>A snapshot of all sessions.</summary>
    IReadOnlyCollection<Sessions.MqttSession> GetAll();
}
