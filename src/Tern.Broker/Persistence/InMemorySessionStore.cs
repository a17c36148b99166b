using System.Collections.Concurrent;
using Tern.Broker.Sessions;

namespace Tern.Broker.Persistence;

/// <summary>Sessions in a concurrent dictionary: lost when the process ends, which is what Clean Session 0 means to MQTTnet and to Mosquitto without persistence.</summary>
internal sealed class InMemorySessionStore : ISessionStore
{
    private readonly ConcurrentDictionary<string, MqttSession> _sessions = new(StringComparer.Ordinal);

    public int Count => _sessions.Count;

    public bool TryGet(string clientId, out MqttSession session) => _sessions.TryGetValue(clientId, out session!);

    public void Save(MqttSession session) => _sessions[session.ClientId] = session;

    public bool Remove(MqttSession session) => _sessions.TryRemove(new KeyValuePair<string, MqttSession>(session.ClientId, session));

    public IReadOnlyCollection<MqttSession> GetAll() => [.. _sessions.Values];
}
