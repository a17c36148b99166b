using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Client;

/// <summary>One Topic Filter to subscribe to, with its subscription options (5.0 §3.8.3.1; 3.1.1 has only the QoS).</summary>
/// <param name="Filter">The Topic Filter; <c>+</c> and <c>#</c> are wildcards, <c>$share/group/filter</c> a Shared Subscription.</param>
/// <param name="QoS">The maximum QoS the broker may deliver with. Default 0.</param>
public sealed record MqttTopicFilter(string Filter, QualityOfService QoS = QualityOfService.AtMostOnce)
{
    /// <summary>5.0: do not deliver messages this client published itself.</summary>
    public bool NoLocal { get; init; }

    /// <summary>5.0: keep the RETAIN flag of forwarded messages as published.</summary>
    public bool RetainAsPublished { get; init; }

    /// <summary>5.0: whether retained messages are sent when subscribing. Default: always.</summary>
    public RetainHandling RetainHandling { get; init; } = RetainHandling.SendAtSubscribe;

    internal SubscriptionRequest ToRequest() => new(Filter, new SubscriptionOptions(QoS, NoLocal, RetainAsPublished, RetainHandling));
}
