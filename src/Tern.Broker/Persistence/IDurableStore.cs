namespace Tern.Broker.Persistence;

/// <summary>
/// A durable store's back end (SQLite in Tern.Broker.Sqlite). Used by one thread at a time: <see cref="Load"/> at
/// start, then <see cref="Apply"/> from the <see cref="DurableWriter"/>'s thread only.
/// </summary>
internal interface IDurableStore : IDisposable
{
    /// <summary>Reads everything stored. Throws <see cref="BrokerStorageException"/> when the store is unreadable.</summary>
    DurableState Load();

    /// <summary>
    /// Applies <paramref name="operations"/> in order in one transaction, durably (as the durability mode asks), and
    /// records <paramref name="nowUnixMs"/> as the time the broker was last alive. Throws when anything fails, and then
    /// nothing of the batch is applied.
    /// </summary>
    void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs);
}

/// <summary>Opens a durable store; registered by Tern.Broker.Sqlite.</summary>
internal interface IDurableStoreFactory
{
    /// <summary>Opens (creating or migrating when needed) the store for <paramref name="options"/>; throws <see cref="BrokerStorageException"/> when it cannot.</summary>
    IDurableStore Open(PersistenceOptions options, TimeProvider time);
}
