namespace Tern.Broker.Sessions;

/// <summary>The bounds every session works within, taken from the broker options.</summary>
/// <param name="MaxQueuedMessages">QoS 1/2 messages kept for a client that is offline or whose window is full.</param>
/// <param name="OverflowPolicy">What happens to a message when the queue is full.</param>
internal sealed record SessionLimits(int MaxQueuedMessages, QueueOverflowPolicy OverflowPolicy);
