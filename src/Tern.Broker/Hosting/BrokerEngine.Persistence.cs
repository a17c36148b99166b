using Tern.Broker.Messages;
using Tern.Broker.Persistence;

namespace Tern.Broker.Hosting;

internal sealed partial class BrokerEngine
{
    private const string SqliteFactoryType = "Tern.Broker.Sqlite.SqliteDurableStoreFactory, Tern.Broker.Sqlite";

    // Opens the store of Persistence.Mode = Sqlite and reads it; null in memory mode. A store that cannot be opened or
    // read stops the start (BrokerStorageException): starting empty would silently drop what clients were promised.
    private DurableState? OpenDurableStore(IDurableStoreFactory? factory)
    {
        var persistence = Options.Persistence;
        if (persistence.Mode != PersistenceMode.Sqlite)
        {
            return null;
        }

        // The factory is registered by AddTernSqlitePersistence(); an application that merely references
        // Tern.Broker.Sqlite gets it too.
        factory ??= Type.GetType(SqliteFactoryType) is { } type ? (IDurableStoreFactory?)Activator.CreateInstance(type) : null;
        if (factory is null)
        {
            throw new BrokerStorageException("Persistence.Mode is Sqlite but the Tern.Broker.Sqlite assembly is not available: reference it, or set Persistence.Mode to Memory.");
        }

        var clock = new DurableClock(TimeProvider);
        var store = factory.Open(persistence, TimeProvider);
        DurableState state;
        try
        {
            state = store.Load(persistence.MaxCachedMessagesPerSession);
        }
        catch
        {
            store.Dispose();
            throw;
        }

        long lastId = 0;
        foreach (var session in state.Sessions)
        {
            foreach (var delivery in session.Deliveries)
            {
                lastId = Math.Max(lastId, delivery.StoreId);
            }

            if (session.PagedOut is [.., var last])
            {
                lastId = Math.Max(lastId, last.StoreId);
            }
        }

        Durable = new DurableWriter(store, persistence, clock, Logger, lastId);
        return state;
    }

    private void RestoreDurableState(DurableState state)
    {
        var clock = Durable!.Clock;
        long now = TimeProvider.GetTimestamp();
        int retained = 0;
        foreach (var stored in state.Retained)
        {
            var message = BrokerMessage.Restore(stored, clock);
            if (message.IsExpired(now))
            {
                Durable.Write(new RetainedRemoved(System.Text.Encoding.UTF8.GetString(stored.Topic)));
                continue;
            }

            ((Retained.RetainedMessageStore)Retained).Load(message);
            retained++;
        }

        var (sessions, messages) = Sessions.Restore(state, Logger);
        PersistenceLog.Loaded(Logger, Path.GetFullPath(Options.Persistence.DataDirectory), sessions, messages, retained, Options.Persistence.Durability.ToString());
    }
}
