namespace Tern.Broker.Sessions;

/// <summary>The bounds every session works within, taken from the broker options, and where drops are reported.</summary>
/// <param name="MaxQueuedMessages">QoS 1/2 messages kept for a client that is offline or whose window is full.</param>
/// <param name="OverflowPolicy">What happens to a message when the queue is full.</param>
/// <param name="Time">The clock for message expiry.</param>
/// <param name="Dropped">Called (outside no lock guarantees: keep it cheap and thread-safe) for each message a session drops, with the reason.</param>
internal sealed record SessionLimits(int MaxQueuedMessages, QueueOverflowPolicy OverflowPolicy, TimeProvider Time, Action<MqttSession, DeliveryOutcome> Dropped)
{
    /// <summary>Bytes of queued messages (topic, properties, payload) kept per session; 0 means no limit.</summary>
    public long MaxQueuedBytes { get; init; }
}
