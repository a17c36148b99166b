namespace Tern.Client;

/// <summary>
/// The Will Message the broker publishes if the connection ends without a DISCONNECT (3.1.1 §3.1.2.5, 5.0 §3.1.2.5):
/// a network failure, a keep-alive timeout, a protocol error. A normal <see cref="MqttClient.DisconnectAsync(CancellationToken)"/> discards it.
/// </summary>
/// <param name="Message">Topic, payload, QoS, retain flag and (5.0) properties of the will.</param>
public sealed record MqttWill(MqttMessage Message)
{
    /// <summary>5.0 Will Delay Interval in seconds: how long the broker waits before publishing it. Default 0.</summary>
    public uint DelayInterval { get; init; }
}
