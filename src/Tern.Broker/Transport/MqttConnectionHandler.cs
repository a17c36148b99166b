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
    public override Task OnConnectedAsync(ConnectionContext connection) => new MqttConnection(connection, engine).RunAsync();
}
