namespace Tern.Broker;

/// <summary>How a shared subscription group picks the member that receives each message. Members that are offline or whose queue is full are passed over whatever the strategy.</summary>
public enum SharedSubscriptionStrategy
{
    /// <summary>Each member in turn. The default.</summary>
    RoundRobin = 0,

    /// <summary>A member chosen at random.</summary>
    Random = 1,

    /// <summary>The same member until it becomes unavailable.</summary>
    Sticky = 2,

    /// <summary>By a hash of the publisher's client id: one publisher's messages go to one member, in order.</summary>
    HashClientId = 3,

    /// <summary>By a hash of the topic: one topic's messages go to one member, in order.</summary>
    HashTopic = 4,
}
