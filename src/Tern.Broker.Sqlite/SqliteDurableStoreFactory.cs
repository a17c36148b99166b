using Tern.Broker.Persistence;

namespace Tern.Broker.Sqlite;

/// <summary>Opens the SQLite store; found by the broker by name when Persistence.Mode is Sqlite, or registered by <see cref="SqlitePersistenceExtensions.AddTernSqlitePersistence"/>.</summary>
internal sealed class SqliteDurableStoreFactory : IDurableStoreFactory
{
    /// <inheritdoc/>
    public IDurableStore Open(PersistenceOptions options, TimeProvider time) => SqliteDurableStore.Open(options, time);
}
