using Tern.Broker.Persistence;

namespace Tern.Broker.Messages;

internal sealed partial class BrokerMessage
{
    /// <summary>A message read back from a durable store: its properties are already the forwarded ones, and its expiry is converted from wall-clock time.</summary>
    public static BrokerMessage Restore(StoredMessage stored, DurableClock clock)
    {
        var buffer = new byte[stored.Topic.Length + stored.Properties.Length + stored.Payload.Length];
        stored.Topic.CopyTo(buffer, 0);
        stored.Properties.CopyTo(buffer, stored.Topic.Length);
        stored.Payload.CopyTo(buffer, stored.Topic.Length + stored.Properties.Length);
        return new BrokerMessage(buffer, stored.Topic.Length, stored.Properties.Length, stored.QoS, stored.Retain, stored.PublisherClientId, clock.FromUnixMs(stored.ExpiresAtUnixMs));
    }

    /// <summary>The message as a durable store keeps it.</summary>
    public StoredMessage ToStored(DurableClock clock) =>
        new(Topic.ToArray(), Properties.ToArray(), Payload.ToArray(), QoS, Retain, PublisherClientId, clock.ToUnixMs(ExpiresAt));
}
