namespace Tern.Broker;

/// <summary>What a session does with a QoS 1/2 message when its queue of undelivered messages is full.</summary>
public enum QueueOverflowPolicy
{
    /// <summary>Drop the new message and keep the queue as it is (Mosquitto's behaviour). The default.</summary>
    DropNewest = 0,

    /// <summary>Drop the oldest queued message to make room for the new one.</summary>
    DropOldest = 1,
}
