using System.Net;

namespace Tern.Broker;

/// <summary>A listener of a running broker: its options and the endpoint it bound (with the real port when 0 was asked for).</summary>
public sealed class ListenerEndpoint
{
    internal ListenerEndpoint(MqttListenerOptions options, IPEndPoint endPoint)
    {
        Options = options;
        EndPoint = endPoint;
    }

    /// <summary>The listener's options.</summary>
    public MqttListenerOptions Options { get; }

    /// <summary>What the listener speaks.</summary>
    public ListenerProtocol Protocol => Options.Protocol;

    /// <summary>The bound address and port.</summary>
    public IPEndPoint EndPoint { get; }

    /// <summary>
    /// Where clients connect: <c>mqtt://127.0.0.1:1883</c>, <c>mqtts://127.0.0.1:8883</c>, <c>ws://127.0.0.1:8080/mqtt</c>
    /// or <c>wss://127.0.0.1:8443/mqtt</c> (the path only for WebSocket listeners).
    /// </summary>
    public string Url => Protocol switch
    {
        ListenerProtocol.Ws or ListenerProtocol.Wss => $"{Scheme}://{EndPoint}{Options.Path}",
        _ => $"{Scheme}://{EndPoint}",
    };

    private string Scheme => Protocol.ToString().ToLowerInvariant();

    /// <inheritdoc/>
    public override string ToString() => Url;
}
