using Microsoft.Extensions.Logging;
using Tern.Protocol;

namespace Tern.Client;

/// <summary>
/// Everything a <see cref="MqttClient"/> needs to know, as an immutable record: start from <see cref="Default"/> and
/// change what differs with <c>with</c>: <c>MqttClientOptions.Default with { Host = "broker", ClientId = "sensor-1" }</c>.
/// </summary>
public sealed record MqttClientOptions
{
    /// <summary>The defaults: localhost:1883, MQTT 3.1.1, clean session, keep alive 60 s, reconnect on, in-memory offline queue.</summary>
    public static MqttClientOptions Default { get; } = new();

    /// <summary>The broker's host name or address. Default <c>localhost</c>.</summary>
    public string Host { get; init; } = "localhost";

    /// <summary>The broker's TCP port. Default 1883 (use 8883 with <see cref="Tls"/>, as brokers do).</summary>
    public int Port { get; init; } = 1883;

    /// <summary>
    /// Connect over WebSocket instead of TCP: <c>ws://host:port/path</c> or <c>wss://…</c> (subprotocol <c>mqtt</c>).
    /// <see cref="Host"/> and <see cref="Port"/> are then ignored. Null (default): TCP.
    /// </summary>
    public Uri? WebSocketUri { get; init; }

    /// <summary>TLS settings; null (default) for a plain connection. For <c>wss</c> only the certificate settings apply.</summary>
    public MqttTlsOptions? Tls { get; init; }

    /// <summary>The protocol: <see cref="ProtocolVersion.V311"/> (default) or <see cref="ProtocolVersion.V500"/>.</summary>
    public ProtocolVersion ProtocolVersion { get; init; } = ProtocolVersion.V311;

    /// <summary>
    /// The Client Identifier. Empty (default): in 5.0 the broker assigns one (<see cref="MqttConnectResult.AssignedClientIdentifier"/>);
    /// in 3.1.1 the client makes up <c>tern-</c> and 12 hex digits, since 3.1.1 refuses an empty one with a persistent session.
    /// </summary>
    public string ClientId { get; init; } = string.Empty;

    /// <summary>
    /// Clean Session (3.1.1) / Clean Start (5.0): start without any stored session. Default true. A 5.0 client
    /// reconnects with Clean Start 0 so that a session kept by <see cref="SessionExpiryInterval"/> survives the cut.
    /// </summary>
    public bool CleanStart { get; init; } = true;

    /// <summary>5.0 Session Expiry Interval in seconds: how long the broker keeps the session after the connection ends. Default 0 (ends with it).</summary>
    public uint SessionExpiryInterval { get; init; }

    /// <summary>The Keep Alive: the client sends PINGREQ after this long without sending anything. Default 60 s; zero turns it off.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait for PINGRESP before the connection is declared dead. Default null: the keep alive, at most 30 s.</summary>
    public TimeSpan? PingTimeout { get; init; }

    /// <summary>How long a connection attempt (transport, TLS, CONNECT, CONNACK) may take. Default 10 s.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The User Name, or null.</summary>
    public string? UserName { get; init; }

    /// <summary>The Password, or null. 3.1.1 sends it only with a user name ([MQTT-3.1.2-22]).</summary>
    public string? Password { get; init; }

    /// <summary>The Will Message, or null.</summary>
    public MqttWill? Will { get; init; }

    /// <summary>Reconnect policy. Default: on, 1 s doubling to 30 s, ±20 % jitter.</summary>
    public MqttReconnectOptions Reconnect { get; init; } = new();

    /// <summary>The publish / offline queue. Default: 10,000 messages in memory, oldest dropped first.</summary>
    public MqttOfflineQueueOptions OfflineQueue { get; init; } = new();

    /// <summary>Messages buffered per subscription before the read loop waits for the reader. Default 1,024.</summary>
    public int SubscriptionBufferCapacity { get; init; } = 1024;

    /// <summary>
    /// The most QoS 1/2 messages sent and not yet acknowledged. Default 100; a 5.0 broker's smaller Receive Maximum
    /// wins ([MQTT-3.3.4-7]).
    /// </summary>
    public int MaxInflightMessages { get; init; } = 100;

    /// <summary>5.0 Receive Maximum announced to the broker: QoS 1/2 messages it may have in flight to this client. Default 65,535.</summary>
    public ushort ReceiveMaximum { get; init; } = ushort.MaxValue;

    /// <summary>The largest packet accepted from the broker (announced in 5.0). Default 0: no limit beyond the protocol's 268,435,460 bytes.</summary>
    public uint MaximumPacketSize { get; init; }

    /// <summary>5.0 Topic Alias Maximum announced to the broker: aliases it may use towards this client. Default 0 (none).</summary>
    public ushort TopicAliasMaximum { get; init; }

    /// <summary>
    /// 5.0: give each topic this client publishes to a Topic Alias, while the broker's Topic Alias Maximum allows, and
    /// send only the two-byte alias after the first message. Default false.
    /// </summary>
    public bool AutoTopicAliases { get; init; }

    /// <summary>5.0 Request Response Information: ask the broker for a Response Information prefix (used by <see cref="MqttClient.RequestAsync"/>). Default false.</summary>
    public bool RequestResponseInformation { get; init; }

    /// <summary>5.0: the topic on which <see cref="MqttClient.RequestAsync"/> awaits responses. Default null: the broker's Response Information, else <c>tern/response/&lt;client id&gt;</c>.</summary>
    public string? ResponseTopic { get; init; }

    /// <summary>5.0 User Properties sent with CONNECT.</summary>
    public IReadOnlyList<MqttUserProperty> UserProperties { get; init; } = [];

    /// <summary>5.0 enhanced authentication (AUTH exchange, §4.12), or null.</summary>
    public IMqttEnhancedAuthenticator? Authenticator { get; init; }

    /// <summary>Where the client logs (connects, disconnects, reconnect attempts, dropped messages). Default: nowhere.</summary>
    public ILoggerFactory? LoggerFactory { get; init; }

    /// <summary>The clock for keep alive and reconnect delays; tests pass a fake one. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Checks the options; throws <see cref="ArgumentException"/> naming the first problem.</summary>
    public void Validate()
    {
        if (ProtocolVersion is not (ProtocolVersion.V311 or ProtocolVersion.V500))
        {
            throw new ArgumentException("ProtocolVersion must be V311 or V500.", nameof(ProtocolVersion));
        }

        if (WebSocketUri is null && string.IsNullOrWhiteSpace(Host))
        {
            throw new ArgumentException("Host is empty.", nameof(Host));
        }

        if (WebSocketUri is not null && WebSocketUri.Scheme is not ("ws" or "wss"))
        {
            throw new ArgumentException("WebSocketUri must be ws:// or wss://.", nameof(WebSocketUri));
        }

        if (Port is < 1 or > 65_535)
        {
            throw new ArgumentException("Port must be between 1 and 65535.", nameof(Port));
        }

        if (KeepAlive < TimeSpan.Zero || KeepAlive.TotalSeconds > ushort.MaxValue)
        {
            throw new ArgumentException("KeepAlive must be between 0 and 65535 s.", nameof(KeepAlive));
        }

        if (MaxInflightMessages < 1 || SubscriptionBufferCapacity < 1 || OfflineQueue.Capacity < 1)
        {
            throw new ArgumentException("MaxInflightMessages, SubscriptionBufferCapacity and OfflineQueue.Capacity must be at least 1.");
        }

        if (Password is not null && UserName is null && ProtocolVersion != ProtocolVersion.V500)
        {
            throw new ArgumentException("MQTT 3.1.1 sends a password only with a user name ([MQTT-3.1.2-22]).", nameof(Password));
        }
    }

    internal TimeSpan EffectivePingTimeout(TimeSpan keepAlive) =>
        PingTimeout ?? (keepAlive < TimeSpan.FromSeconds(30) ? keepAlive : TimeSpan.FromSeconds(30));
}
