using Microsoft.Data.Sqlite;

namespace Tern.Persistence.Tests;

/// <summary>Reads a data directory's database as an operator with sqlite3 would.</summary>
internal static class StoreFile
{
    public static long Count(DataDirectory data, string table)
    {
        using var connection = new SqliteConnection($"Data Source={data.DatabaseFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    public static void Execute(DataDirectory data, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={data.DatabaseFile};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
