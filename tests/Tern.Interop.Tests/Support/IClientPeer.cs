namespace Tern.Interop.Tests.Support;

/// <summary>A will for <see cref="PeerOptions"/>.</summary>
internal sealed record Will(string Topic, string Payload, int Qos = 1);

/// <summary>What a client library connects with (MQTT 3.1.1).</summary>
internal sealed record PeerOptions(string ClientId)
{
    public bool CleanSession { get; init; } = true;

    public ushort KeepAliveSeconds { get; init; } = 60;

    public Will? Will { get; init; }
}

/// <summary>
/// One connected client of some third-party library, as the scenario tests drive it: the same scenario then runs
/// with every library against every broker under test.
/// </summary>
internal interface IClientPeer : IAsyncDisposable
{
    /// <summary>The CONNACK's session present flag.</summary>
    bool SessionPresent { get; }

    /// <summary>Subscribes and waits for the SUBACK granting <paramref name="qos"/>.</summary>
    Task SubscribeAsync(string topic, int qos);

    /// <summary>Publishes; for QoS 1 returns once the broker acknowledged.</summary>
    Task PublishAsync(string topic, string payload, int qos, bool retain = false);

    /// <summary>Waits for the next message and returns "topic payload".</summary>
    Task<string> NextMessageAsync();

    /// <summary>Sends DISCONNECT and closes the connection.</summary>
    Task DisconnectAsync();

    /// <summary>Drops the connection without DISCONNECT.</summary>
    Task AbortAsync();

    /// <summary>Waits until the client sees the broker close its connection.</summary>
    Task ExpectConnectionLostAsync();
}
