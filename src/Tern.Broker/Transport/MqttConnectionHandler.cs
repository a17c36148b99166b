using Microsoft.AspNetCore.Connections;
using Tern.Broker.Connections;
using Tern.Broker.Hosting;

namespace Tern.Broker.Transport;

/// <summary>
/// Where Kestrel hands over a connection: the transport ends here, at an <see cref="System.IO.Pipelines.IDuplexPipe"/>, and MQTT begins.
/// Registered on a listener with <c>UseTernMqtt()</c>.
/// </summary>
internal sealed class MqttConnectionHandler(BrokerEngine engine) : ConnectionHandler
{
    /// <inheritdoc/>
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        // Connection count, rate per address and the memory guard are checked before any MQTT byte is read: a refused
        // connection costs an accept and a close, nothing more (returning closes it).
        var listener = MqttConnection.ListenerOf(connection);
        if (!engine.Limits.TryAdmit(listener, connection.RemoteEndPoint))
        {
            return;
        }

        try
        {
            await new MqttConnection(connection, engine).RunAsync().ConfigureAwait(false);
        }
        finally
        {
            engine.Limits.Release(listener);
        }
    }
}
