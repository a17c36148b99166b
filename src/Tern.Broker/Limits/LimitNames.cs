namespace Tern.Broker.Limits;

/// <summary>The values of the <c>limit</c> tag of <c>tern.limits.hits</c>: one per setting that can refuse or drop something.</summary>
internal static class LimitNames
{
    /// <summary><see cref="BrokerOptions.MaxConnections"/>.</summary>
    public const string Connections = "connections";

    /// <summary>The connections the process's file limit leaves room for (<see cref="BrokerOptions.FileDescriptorReserve"/>).</summary>
    public const string FileLimit = "file_limit";

    /// <summary><see cref="MqttListenerOptions.MaxConnections"/>.</summary>
    public const string ListenerConnections = "listener_connections";

    /// <summary><see cref="BrokerOptions.MaxConnectionRatePerAddress"/>.</summary>
    public const string ConnectionRate = "connection_rate";

    /// <summary><see cref="BrokerOptions.MaxTopicLength"/>.</summary>
    public const string TopicLength = "topic_length";

    /// <summary><see cref="BrokerOptions.MaxTopicLevels"/>.</summary>
    public const string TopicLevels = "topic_levels";

    /// <summary><see cref="BrokerOptions.MaxSubscriptionsPerClient"/>.</summary>
    public const string Subscriptions = "subscriptions";

    /// <summary><see cref="BrokerOptions.MaxQueuedBytes"/>.</summary>
    public const string QueuedBytes = "queued_bytes";

    /// <summary><see cref="BrokerOptions.MaxOutboundBytes"/>.</summary>
    public const string OutboundBytes = "outbound_bytes";

    /// <summary><see cref="BrokerOptions.SlowConsumerTimeout"/>.</summary>
    public const string SlowConsumer = "slow_consumer";

    /// <summary><see cref="BrokerOptions.MaxPublishRatePerClient"/>.</summary>
    public const string PublishRate = "publish_rate";

    /// <summary><see cref="BrokerOptions.MaxPublishBytesRatePerClient"/>.</summary>
    public const string PublishBytesRate = "publish_bytes_rate";

    /// <summary><see cref="BrokerOptions.MemoryLimitBytes"/>.</summary>
    public const string Memory = "memory";
}
