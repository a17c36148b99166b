namespace Tern.TestKit;

/// <summary>
/// A running MQTT broker that interop and behaviour tests talk to over loopback TCP: Mosquitto as the reference, and
/// Tern. Start one with <see cref="Brokers.StartAsync"/>; dispose it to stop it.
/// </summary>
public interface IBrokerUnderTest : IAsyncDisposable
{
    /// <summary>The kind's name as it appears in test names: "mosquitto", "tern".</summary>
    string Name { get; }

    /// <summary>The address its listener is bound to, e.g. "127.0.0.1".</summary>
    string Host { get; }

    /// <summary>The port actually bound.</summary>
    int Port { get; }

    /// <summary>What the broker has logged so far, for failure messages (may be empty).</summary>
    string Log { get; }

    /// <summary>
    /// How long after one and a half keep-alive periods of silence the broker may still take to close the connection
    /// [MQTT-3.1.2-24]: the granularity of its keep-alive check. One second unless a kind says otherwise.
    /// </summary>
    TimeSpan KeepAliveSlack => TimeSpan.FromSeconds(1);
}
