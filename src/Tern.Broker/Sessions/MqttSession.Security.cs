namespace Tern.Broker.Sessions;

internal sealed partial class MqttSession
{
    private MqttClientContext? _client;

    /// <summary>
    /// Who the session's client is (identity and client id), for the read checks of deliveries; set when a CONNECT is
    /// accepted and kept while the client is offline. Null for a session no connection has claimed yet, which an
    /// authorizer therefore denies.
    /// </summary>
    public MqttClientContext? Client
    {
        get => Volatile.Read(ref _client);
        set => Volatile.Write(ref _client, value);
    }
}
