using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Transport;

/// <summary>
/// Serves MQTT over WebSocket on the HTTP requests of <c>ws</c> / <c>wss</c> listeners: the listener's
/// <see cref="MqttListenerOptions.Path"/> only (anything else: 404), WebSocket upgrades only (426), and only with
/// the subprotocol <c>mqtt</c> ([MQTT-6.0.0-3], [MQTT-6.0.0-4]) or the older <c>mqttv3.1</c> (400 otherwise).
/// Requests that did not arrive through a WebSocket listener go to the rest of the pipeline.
/// </summary>
internal sealed class MqttWebSocketMiddleware(RequestDelegate next, BrokerEngine engine, ILoggerFactory loggerFactory)
{
    /// <summary>The subprotocols accepted, in order of preference.</summary>
    private static readonly string[] SubProtocols = ["mqtt", "mqttv3.1"];

    private readonly ILogger _logger = loggerFactory.CreateLogger("Tern.Broker.Listeners");

    public async Task InvokeAsync(HttpContext context)
    {
        // UseTernMqtt put the listener into the connection's items; Kestrel exposes them to each request.
        if (context.Features.Get<IConnectionItemsFeature>()?.Items is not { } items
            || !items.TryGetValue(MqttConnection.ListenerItemKey, out var value)
            || value is not MqttListenerOptions { Protocol: ListenerProtocol.Ws or ListenerProtocol.Wss } listener)
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        string remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        if (!string.Equals(context.Request.Path.Value, listener.Path, StringComparison.Ordinal))
        {
            await RefuseAsync(context, listener, remote, StatusCodes.Status404NotFound, $"MQTT is served on {listener.Path}").ConfigureAwait(false);
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            context.Response.Headers.Upgrade = "websocket";
            await RefuseAsync(context, listener, remote, StatusCodes.Status426UpgradeRequired, "MQTT needs a WebSocket upgrade").ConfigureAwait(false);
            return;
        }

        var requested = context.WebSockets.WebSocketRequestedProtocols;
        string? subProtocol = SubProtocols.FirstOrDefault(p => requested.Contains(p, StringComparer.OrdinalIgnoreCase));
        if (subProtocol is null)
        {
            await RefuseAsync(context, listener, remote, StatusCodes.Status400BadRequest, "the WebSocket subprotocol must be mqtt").ConfigureAwait(false);
            return;
        }

        using var socket = await context.WebSockets.AcceptWebSocketAsync(new WebSocketAcceptContext { SubProtocol = subProtocol }).ConfigureAwait(false);
        var connection = new WebSocketConnection(socket, context, listener, engine.Options.MaxPacketSize, _logger);
        await connection.RunAsync(c => new MqttConnection(c, engine).RunAsync()).ConfigureAwait(false);
    }

    private async Task RefuseAsync(HttpContext context, MqttListenerOptions listener, string remote, int status, string reason)
    {
        BrokerLog.WebSocketRefused(_logger, remote, listener.DisplayName, context.Request.Path.Value ?? "", status, reason);
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(reason + "\n").ConfigureAwait(false);
    }
}
