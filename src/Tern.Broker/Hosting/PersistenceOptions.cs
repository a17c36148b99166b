namespace Tern.Broker;

/// <summary>
/// Where the broker keeps the state that must outlive the process: persistent sessions, their subscriptions, queued
/// and in-flight messages, inbound QoS 2 packet identifiers awaiting PUBREL, and retained messages
/// (see docs/persistence.md).
/// </summary>
public sealed class PersistenceOptions
{
    /// <summary>
    /// <see cref="PersistenceMode.Memory"/> (the default for <see cref="MqttBroker.StartAsync(BrokerOptions, CancellationToken)"/>
    /// and <c>AddTernBroker</c>) keeps everything in memory; <see cref="PersistenceMode.Sqlite"/> (the default of
    /// <c>tern broker</c>) stores it in <see cref="DataDirectory"/> and needs the Tern.Broker.Sqlite assembly.
    /// </summary>
    public PersistenceMode Mode { get; set; } = PersistenceMode.Memory;

    /// <summary>The directory of the database file <c>tern.db</c>; created when missing. Default <c>./tern-data</c>.</summary>
    public string DataDirectory { get; set; } = "./tern-data";

    /// <summary>When a QoS 1/2 PUBLISH or a SUBSCRIBE is acknowledged. Default <see cref="DurabilityMode.Ack"/>: only once stored.</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Ack;

    /// <summary>With <see cref="DurabilityMode.Periodic"/>: how often the writes are committed. Default 1 s; the most a crash can lose.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many queued messages of one persistent session are held in memory (default 1000). The messages queued beyond
    /// them are kept only in the store (memory holds their key and size, 16 bytes each) and read back in order, in pages,
    /// when the client's window opens; at start only messages in flight and this many queued ones per session are
    /// loaded. <see cref="BrokerOptions.MaxQueuedMessages"/> and <see cref="BrokerOptions.MaxQueuedBytes"/> still count
    /// every queued message. Only with <see cref="PersistenceMode.Sqlite"/>.
    /// </summary>
    public int MaxCachedMessagesPerSession { get; set; } = 1000;

    /// <summary>The problems of these settings; empty when they are good.</summary>
    internal IEnumerable<string> Validate()
    {
        if (Mode == PersistenceMode.Sqlite && string.IsNullOrWhiteSpace(DataDirectory))
        {
            yield return "Persistence.DataDirectory must name a directory.";
        }

        if (FlushInterval <= TimeSpan.Zero || FlushInterval > TimeSpan.FromMinutes(1))
        {
            yield return "Persistence.FlushInterval must be between 1 ms and 1 minute.";
        }

        if (MaxCachedMessagesPerSession < 2)
        {
            yield return "Persistence.MaxCachedMessagesPerSession must be at least 2.";
        }
    }
}
