using Tern.Protocol;

namespace Tern.Client.Internal;

/// <summary>Why one connection ended: the first cause wins.</summary>
internal sealed record DisconnectInfo(MqttDisconnectReason Reason, ReasonCode? ReasonCode = null, string? ReasonString = null, Exception? Exception = null);

/// <summary>What the read loop does after the client handled one packet synchronously.</summary>
/// <param name="Message">An Application Message to hand to the subscriptions (may wait for a slow reader), or null.</param>
/// <param name="AckType">PUBACK or PUBREC to send once it is handed over; <see cref="PacketType.Reserved"/> for none.</param>
/// <param name="PacketIdentifier">The identifier to acknowledge.</param>
internal readonly record struct InboundAction(MqttMessage? Message, PacketType AckType, ushort PacketIdentifier)
{
    public static InboundAction None => default;
}

/// <summary>The client as its connections see it: packets in, messages out, QoS 0 flushed.</summary>
internal interface IConnectionOwner
{
    /// <summary>Handles one received packet on the read loop; may call <see cref="ClientConnection.Close"/>.</summary>
    InboundAction Handle(ClientConnection connection, Tern.Protocol.Framing.FixedHeader header, ReadOnlySpan<byte> body);

    /// <summary>Hands a message to the matching subscriptions; waits while a reader's buffer is full.</summary>
    ValueTask DeliverAsync(MqttMessage message, CancellationToken cancellationToken);

    /// <summary>A QoS 0 message was flushed to the network: its publish is complete.</summary>
    void OnFlushed(PendingPublish publish);
}
