using System.Net;

namespace Tern.Broker;

/// <summary>
/// One listener for MQTT: where it binds, which transport it speaks (<see cref="ListenerProtocol"/>) and the
/// authentication settings of the clients that arrive through it.
/// </summary>
public sealed class MqttListenerOptions
{
    /// <summary>A name for logs, metrics and the ACL's listener context. Default: <c>{protocol}:{bind}:{port}</c>.</summary>
    public string? Name { get; set; }

    /// <summary>The address to bind. Default 127.0.0.1: like Mosquitto 2 without a configuration, only this machine can connect.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>The TCP port. Default 1883, MQTT's registered port; 0 binds any free port (read the real one from <see cref="MqttBroker.Endpoints"/>).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>What the listener speaks: plain MQTT over TCP (default), MQTT over TLS, MQTT over WebSocket, or over secure WebSocket.</summary>
    public ListenerProtocol Protocol { get; set; } = ListenerProtocol.Mqtt;

    /// <summary>
    /// Whether clients without verified credentials may connect through this listener. Null (the default) takes
    /// <see cref="SecurityOptions.AllowAnonymous"/>.
    /// </summary>
    public bool? AllowAnonymous { get; set; }

    /// <summary>The HTTP path of a <c>ws</c> / <c>wss</c> listener. Default <c>/mqtt</c>, as Mosquitto, EMQX and MQTT.js.</summary>
    public string Path { get; set; } = "/mqtt";

    /// <summary>The certificate and client-certificate policy of an <c>mqtts</c> / <c>wss</c> listener.</summary>
    public ListenerTlsOptions Tls { get; set; } = new();

    /// <summary>Connections open at once through this listener; one more is closed as soon as it is accepted. Default 0: only the broker-wide <see cref="BrokerOptions.MaxConnections"/>.</summary>
    public int MaxConnections { get; set; }

    /// <summary>
    /// Which transport carries a plain <see cref="ListenerProtocol.Mqtt"/> listener: <see cref="ListenerTransport.Sockets"/>
    /// (default; fewer bytes per idle connection and cheaper connects) or <see cref="ListenerTransport.Kestrel"/>.
    /// <c>mqtts</c>, <c>ws</c> and <c>wss</c> listeners always use Kestrel.
    /// </summary>
    public ListenerTransport Transport { get; set; } = ListenerTransport.Sockets;

    /// <summary>Whether this listener is served by Tern's own socket transport rather than by Kestrel.</summary>
    internal bool UsesSocketTransport => Protocol == ListenerProtocol.Mqtt && Transport == ListenerTransport.Sockets;

    /// <summary>
    /// Carries this socket-transport listener on the runtime's sockets even where Tern's own <c>epoll</c> loop runs (the
    /// tests of that engine; operators set the environment variable <c>TERN_EPOLL=0</c> for every listener).
    /// </summary>
    internal bool UseRuntimeSockets { get; set; }

    /// <summary>The name used in logs when <see cref="Name"/> is not set.</summary>
    public string DisplayName => Name ?? DefaultName();

    // Every CONNECT asks for the name (the client's context, the anonymous check); formatting it each time was 2.5 % of a
    // connect's CPU. The options stay settable, so the cached text is used only while it was made from the current values.
    private DefaultNameCache? _defaultName;

    private string DefaultName()
    {
        var cached = Volatile.Read(ref _defaultName);
        if (cached is not null && cached.Protocol == Protocol && cached.Port == Port && ReferenceEquals(cached.Bind, Bind))
        {
            return cached.Text;
        }

        var made = new DefaultNameCache(Protocol, Bind, Port, $"{Protocol.ToString().ToLowerInvariant()}:{Bind}:{Port}");
        Volatile.Write(ref _defaultName, made);
        return made.Text;
    }

    private sealed record DefaultNameCache(ListenerProtocol Protocol, string Bind, int Port, string Text);

    /// <summary>Parses <see cref="Bind"/>; "localhost" means the IPv4 loopback, "*" or "0.0.0.0" every IPv4 address, "::" every address.</summary>
    public IPAddress GetAddress() => Bind switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ => IPAddress.TryParse(Bind, out var address) ? address : throw new FormatException($"'{Bind}' is not an IP address."),
    };
}
