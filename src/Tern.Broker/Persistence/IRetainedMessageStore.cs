using Tern.Broker.Messages;

namespace Tern.Broker.Persistence;

/// <summary>
/// Where retained messages live. The in-memory store is the default; the durable store (Tern.Broker.Sqlite) implements
/// the same contract. Implementations are safe for concurrent use.
/// </summary>
internal interface IRetainedMessageStore
{
    /// <summary>How many topics hold a retained message.</summary>
    int Count { get; }

    /// <summary>Stores <paramref name="message"/> as the retained message of its topic, replacing any earlier one.</summary>
    void Set(BrokerMessage message);

    /// <summary>Deletes the retained message of <paramref name="topic"/>; returns whether there was one.</summary>
    bool Remove(ReadOnlySpan<byte> topic);

    /// <summary>Adds every retained message whose topic matches <paramref name="topicFilter"/> to <paramref name="results"/>.</summary>
    void Match(ReadOnlySpan<byte> topicFilter, List<BrokerMessage> results);
}
