using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Tern.Broker.Persistence;
using Tern.Broker.Sqlite;

namespace Tern.Broker;

/// <summary>Durable broker state on SQLite for applications that host the broker themselves.</summary>
public static class SqlitePersistenceExtensions
{
    /// <summary>
    /// Stores persistent sessions, their messages and retained messages in SQLite in
    /// <see cref="PersistenceOptions.DataDirectory"/> when <see cref="PersistenceOptions.Mode"/> is
    /// <see cref="PersistenceMode.Sqlite"/>. Referencing this assembly and setting the mode is enough too: the broker
    /// finds the store by name.
    /// </summary>
    /// <example><code>
    /// builder.Services.AddTernBroker(o => o.Persistence.Mode = PersistenceMode.Sqlite).AddTernSqlitePersistence();
    /// </code></example>
    public static IServiceCollection AddTernSqlitePersistence(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton<IDurableStoreFactory, SqliteDurableStoreFactory>();
        return services;
    }
}
