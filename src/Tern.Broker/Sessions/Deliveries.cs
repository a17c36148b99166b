using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>A message waiting in a session's queue: not yet sent, because the client is offline or its window is full.</summary>
internal readonly record struct QueuedDelivery(BrokerMessage Message, QualityOfService QoS, bool Retain);

/// <summary>A QoS 1/2 message sent to the client and not yet fully acknowledged.</summary>
internal sealed class InflightDelivery(ushort packetIdentifier, BrokerMessage message, QualityOfService qos, bool retain)
{
    public ushort PacketIdentifier { get; } = packetIdentifier;

    public BrokerMessage Message { get; } = message;

    public QualityOfService QoS { get; } = qos;

    public bool Retain { get; } = retain;

    /// <summary>QoS 2: PUBREC arrived and PUBREL was sent; waiting for PUBCOMP. Resent as PUBREL, never as PUBLISH ([MQTT-4.4.0-1]).</summary>
    public bool Released { get; set; }
}

/// <summary>What became of a message handed to a session.</summary>
internal enum DeliveryOutcome : byte
{
    /// <summary>Given to the connection's writer.</summary>
    Sent,

    /// <summary>Queued until the client is back or its window opens.</summary>
    Queued,

    /// <summary>QoS 0 for a client that is not connected: not kept (as Mosquitto does by default).</summary>
    DroppedOffline,

    /// <summary>The queue was full; the overflow policy dropped a message.</summary>
    DroppedQueueFull,
}
