namespace Tern.Broker.Persistence;

/// <summary>
/// A durable store's back end (SQLite in Tern.Broker.Sqlite). <see cref="Load"/> at start, then <see cref="Apply"/>
/// from the <see cref="DurableWriter"/>'s thread only, <see cref="Sync"/> from its sync stage's thread only;
/// <see cref="ReadQueued"/> from any thread, concurrently with <see cref="Apply"/> (it reads what is committed, on a
/// connection of its own).
/// </summary>
internal interface IDurableStore : IDisposable
{
    /// <summary>
    /// Reads everything stored, except that of each session's queued messages (not in flight) only the first
    /// <paramref name="cachedMessagesPerSession"/> are read whole; the others come as keys and sizes
    /// (<see cref="StoredSession.PagedOut"/>), to be read with <see cref="ReadQueued"/> when their turn comes.
    /// Throws <see cref="BrokerStorageException"/> when the store is unreadable.
    /// </summary>
    DurableState Load(int cachedMessagesPerSession);

    /// <summary>
    /// Reads up to <paramref name="limit"/> committed messages of <paramref name="clientId"/>, not in flight, whose keys
    /// are at least <paramref name="fromStoreId"/>, in the order they were queued. Safe to call while
    /// <see cref="Apply"/> runs on another thread.
    /// </summary>
    IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit);

    /// <summary>
    /// Applies <paramref name="operations"/> in order in one transaction, durably (as the durability mode asks), and
    /// records <paramref name="nowUnixMs"/> as the time the broker was last alive. Throws when anything fails, and then
    /// nothing of the batch is applied.
    /// </summary>
    void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs);

    /// <summary>
    /// Ack durability: makes every batch whose <see cref="Apply"/> returned before this call durable (it survives a
    /// power loss or an OS crash; a committed batch already survives a process kill). Called from the sync stage's
    /// thread, concurrently with <see cref="Apply"/>. Throws when the disk reports a failure; the batches are then not
    /// known to be durable.
    /// </summary>
    void Sync();
}

/// <summary>Opens a durable store; registered by Tern.Broker.Sqlite.</summary>
internal interface IDurableStoreFactory
{
    /// <summary>Opens (creating or migrating when needed) the store for <paramref name="options"/>; throws <see cref="BrokerStorageException"/> when it cannot.</summary>
    IDurableStore Open(PersistenceOptions options, TimeProvider time);
}
