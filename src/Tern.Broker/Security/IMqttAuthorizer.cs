namespace Tern.Broker;

/// <summary>
/// Decides what a connected client may do with topics: publish to a Topic Name, subscribe to a Topic Filter, receive a
/// message on a Topic Name. Register one in the broker's services (or configure an ACL file, see
/// <see cref="AclAuthorizer"/>); without one every action is allowed and the broker makes no call at all.
/// </summary>
/// <remarks>
/// <para>
/// These are synchronous on purpose: they run for every PUBLISH and every delivery, on the connection's read loop.
/// Answer from memory; an implementation that must ask something remote should cache the answer per client and refresh
/// it out of band. Each call must be thread-safe and must not throw; an exception is treated as a denial.
/// </para>
/// <para>
/// Topics and filters are the UTF-8 bytes of the packet, already validated by the codec. For a 5.0 Shared Subscription
/// <see cref="CanSubscribe"/> receives the Topic Filter after <c>$share/{ShareName}/</c>, since that decides which
/// messages arrive.
/// </para>
/// <para>
/// What the broker does with a denial: PUBLISH → 5.0 PUBACK/PUBREC 0x87 Not authorized, 3.1.1 acknowledged and not
/// routed; SUBSCRIBE → SUBACK 0x87 (5.0) / 0x80 Failure (3.1.1) for that filter; receive → the message is not delivered
/// to that client.
/// </para>
/// </remarks>
public interface IMqttAuthorizer
{
    /// <summary>Whether the client may publish to <paramref name="topicName"/> (PUBLISH, a Will Message, a retained message).</summary>
    /// <param name="client">Who asks.</param>
    /// <param name="topicName">The Topic Name, UTF-8, without wildcards.</param>
    bool CanPublish(MqttClientContext client, ReadOnlySpan<byte> topicName);

    /// <summary>Whether the client may subscribe to <paramref name="topicFilter"/>.</summary>
    /// <param name="client">Who asks.</param>
    /// <param name="topicFilter">The Topic Filter, UTF-8, possibly with <c>+</c> and <c>#</c>.</param>
    bool CanSubscribe(MqttClientContext client, ReadOnlySpan<byte> topicFilter);

    /// <summary>Whether a message published to <paramref name="topicName"/> may be delivered to the client (checked per delivery).</summary>
    /// <param name="client">The receiving client.</param>
    /// <param name="topicName">The Topic Name of the message, UTF-8.</param>
    bool CanReceive(MqttClientContext client, ReadOnlySpan<byte> topicName);
}
