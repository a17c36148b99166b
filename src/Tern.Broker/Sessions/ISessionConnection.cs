using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>
/// What a session needs of the connection it is attached to: a way to hand packets to the connection's single writer.
/// Implemented by the channel; the session never sees sockets.
/// </summary>
internal interface ISessionConnection
{
    /// <summary>How many QoS 1/2 PUBLISHes may be unacknowledged at once (the client's Receive Maximum, capped by configuration).</summary>
    int SendWindow { get; }

    /// <summary>The largest packet the client accepts (its 5.0 Maximum Packet Size; unlimited otherwise).</summary>
    int MaximumPacketSize { get; }

    /// <summary>The protocol version of the connection.</summary>
    ProtocolVersion ProtocolVersion { get; }

    /// <summary>
    /// The encoding of <paramref name="delivery"/> for this connection: the message's shared encoding, or one of its own
    /// when the delivery carries Subscription Identifiers or the connection uses outbound topic aliases. Called under
    /// the session's lock, in the order the packets will be sent.
    /// </summary>
    EncodedPublish Encode(in Delivery delivery);

    /// <summary>Queues a PUBLISH for the writer.</summary>
    void SendPublish(EncodedPublish encoded, ushort packetIdentifier, bool duplicate);

    /// <summary>Queues a PUBREL for the writer.</summary>
    void SendPubRel(ushort packetIdentifier);

    /// <summary>
    /// Called by <see cref="SessionRegistry.Connect"/> under its lock, before the session is attached, with "session
    /// present": the connection queues CONNACK here, so that it goes out before any message of the session.
    /// </summary>
    void OnSessionAttaching(bool sessionPresent);
}
