namespace Tern.Client;

/// <summary>What to do when the publish queue is full.</summary>
public enum MqttQueueFullPolicy
{
    /// <summary>Drop the oldest queued message (its <c>PublishAsync</c> fails with <see cref="MqttMessageDroppedException"/>) and queue the new one. Default: fresh data wins, as for telemetry.</summary>
    DropOldest,

    /// <summary>Refuse the new message: its <c>PublishAsync</c> fails at once with <see cref="MqttMessageDroppedException"/>.</summary>
    RejectNew,
}

/// <summary>
/// The publish queue: messages not yet handed to the network. While connected it empties as fast as the broker's
/// Receive Maximum allows; while disconnected it holds what is published until the client reconnects.
/// </summary>
public sealed record MqttOfflineQueueOptions
{
    /// <summary>Accept publishes while disconnected (they go out on reconnect). Default true; when false such a publish fails at once.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>The most messages queued. Default 10,000.</summary>
    public int Capacity { get; init; } = 10_000;

    /// <summary>What happens when the queue is full. Default <see cref="MqttQueueFullPolicy.DropOldest"/>.</summary>
    public MqttQueueFullPolicy FullPolicy { get; init; } = MqttQueueFullPolicy.DropOldest;

    /// <summary>
    /// A file that keeps every queued and unacknowledged message (an append-only log, fsync'd per write, compacted as it
    /// empties), so that a process restart loses nothing: a new client with the same file sends what the old one had
    /// not delivered. Null (default) keeps the queue in memory only. One client per file at a time.
    /// </summary>
    public string? FilePath { get; init; }
}
