namespace Tern.Protocol.Packets;

/// <summary>One Topic Filter and its options, as a client asks for it: the input of <see cref="SubscribePacket.Write"/>.</summary>
/// <param name="TopicFilter">The Topic Filter; at least one character ([MQTT-4.7.3-1]). Wildcard placement is not checked by the codec.</param>
/// <param name="Options">The subscription options.</param>
public readonly record struct SubscriptionRequest(string TopicFilter, SubscriptionOptions Options);
