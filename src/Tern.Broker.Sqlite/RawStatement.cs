using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Tern.Broker.Sqlite;

/// <summary>
/// A statement prepared once on the writer's connection and stepped directly through SQLitePCL: the hot operations
/// (a message queued, sent, released, removed) bind their values without boxing or copying the message's bytes, and
/// skip the data reader that <see cref="SqliteCommand.ExecuteNonQuery"/> creates. It runs inside the transaction
/// the connection has open, like any command of that connection.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    public RawStatement(SqliteConnection connection, string sql)
    {
        _db = connection.Handle!;
        Check(raw.sqlite3_prepare_v2(_db, sql, out _statement));
    }

    public RawStatement Bind(int index, long value)
    {
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        return this;
    }

    // An empty blob is bound as a zero-length blob, never as NULL (the columns are NOT NULL).
    public RawStatement Bind(int index, ReadOnlySpan<byte> value)
    {
        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
        return this;
    }

    public RawStatement Bind(int index, string? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, value));
        return this;
    }

    /// <summary>Binds text already in UTF-8 (null: NULL), without converting or copying it on the managed side.</summary>
    public RawStatement BindUtf8(int index, byte[]? value)
    {
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, (ReadOnlySpan<byte>)value));
        return this;
    }

    /// <summary>Steps the statement to its end and resets it; throws <see cref="SqliteException"/> when SQLite fails.</summary>
    public void Run()
    {
        int result = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (result != raw.SQLITE_DONE)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), result);
        }
    }

    public void Dispose() => _statement.Dispose();

    private void Check(int result)
    {
        if (result != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(_db).utf8_to_string(), result);
        }
    }
}
