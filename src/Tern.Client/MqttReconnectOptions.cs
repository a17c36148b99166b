namespace Tern.Client;

/// <summary>
/// How a client that lost its connection reconnects: exponential backoff with jitter and a cap. The delay before
/// attempt n (from 0) is <c>min(MaxDelay, InitialDelay × Multiplier^n)</c>, then moved by up to ±<see cref="Jitter"/>
/// of itself at random so that many clients cut off together do not return together. A successful CONNACK resets n.
/// </summary>
public sealed record MqttReconnectOptions
{
    /// <summary>Reconnect automatically after a lost connection. Default true. <see cref="MqttClient.DisconnectAsync(CancellationToken)"/> never reconnects.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The first delay. Default 1 s (MQTT.js waits 1 s too, but never longer).</summary>
    public TimeSpan InitialDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay. Default 30 s.</summary>
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The growth factor per failed attempt. Default 2.</summary>
    public double Multiplier { get; init; } = 2;

    /// <summary>The random spread, a fraction of the delay between 0 and 1. Default 0.2 (±20 %).</summary>
    public double Jitter { get; init; } = 0.2;

    /// <summary>The delay before attempt <paramref name="attempt"/> (0-based), given a random sample in [0, 1).</summary>
    public TimeSpan DelayFor(int attempt, double random)
    {
        double baseMs = InitialDelay.TotalMilliseconds * Math.Pow(Multiplier, Math.Min(attempt, 64));
        double capped = Math.Min(MaxDelay.TotalMilliseconds, baseMs);
        double jittered = capped * (1 + (Jitter * ((2 * random) - 1)));
        return TimeSpan.FromMilliseconds(Math.Clamp(jittered, 0, MaxDelay.TotalMilliseconds));
    }
}
