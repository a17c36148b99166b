using Microsoft.Data.Sqlite;
using Microsoft.Win32.SafeHandles;
using Tern.Broker.Persistence;

namespace Tern.Broker.Sqlite;

/// <summary>
/// The durable store in one SQLite file, <c>tern.db</c> in the data directory, in WAL mode with
/// <c>synchronous=NORMAL</c>: a commit writes its frames to the WAL file (the operating system has them: a process
/// kill cannot lose them) without waiting for the disk. Ack durability then calls <see cref="Sync"/>, which fsyncs the
/// WAL file through a handle of its own, on the writer's sync stage, while the next batch is being applied (see
/// docs/persistence.md, "Why ack still means on disk"). One connection used by the writer thread only (and by
/// <see cref="Load"/> before it starts), and a read-only one for <see cref="ReadQueued"/>, which pages queued messages
/// back in.
/// </summary>
internal sealed partial class SqliteDurableStore : IDurableStore
{
    /// <summary>The database file's name inside the data directory.</summary>
    public const string FileName = "tern.db";

    private readonly SqliteConnection _connection;
    private readonly string _path;
    private readonly Statements _statements;
    private readonly HashSet<long> _queuedInBatch = [];
    private readonly HashSet<long> _transientInBatch = [];

    // Ack durability: the WAL file, opened read-only for fsync. The writer's connection keeps the WAL open for the
    // store's whole life, and SQLite deletes the WAL only when the last connection to the database closes, so this
    // handle and SQLite's refer to the same file until Dispose.
    private readonly SafeFileHandle? _wal;

    // ReadQueued's own read-only connection (WAL: readers see the last commit and never wait for the writer).
    private readonly Lock _readGate = new();
    private SqliteConnection? _reader;
    private SqliteCommand? _readQueued;
    private bool _readerDisposed;

    private SqliteDurableStore(SqliteConnection connection, string path, DurableClock clock, SafeFileHandle? wal)
    {
        _connection = connection;
        _path = path;
        _wal = wal;
        _statements = new Statements(connection, clock);
    }

    /// <summary>
    /// Opens the database of <paramref name="options"/>, creating the directory and the file when missing, checks it
    /// (<c>PRAGMA quick_check</c>) and brings its schema up to date. Throws <see cref="BrokerStorageException"/> with
    /// the path and the cause when the directory cannot be used or the file is not a sound Tern database.
    /// </summary>
    public static SqliteDurableStore Open(PersistenceOptions options, TimeProvider time)
    {
        string directory = Path.GetFullPath(options.DataDirectory);
        string path = Path.Combine(directory, FileName);
        try
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                // The store holds retained payloads, queued messages and client ids: owner only (RELIABILITY.md E14).
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                CreateOwnerOnlyFile(path);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BrokerStorageException($"cannot create the data directory '{directory}': {ex.Message}", ex);
        }

        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            RestrictToOwner(path);
            Execute(connection, "PRAGMA journal_mode=WAL;");
            Check(connection, path);
            Migrate(connection, path);
            // NORMAL in both modes: commits are not fsynced; SQLite still syncs the WAL before a checkpoint, the database
            // after it, and the WAL header when the WAL is reused, so the file stays consistent. Ack durability makes
            // commits durable with Sync.
            Execute(connection, "PRAGMA synchronous=NORMAL;");
            var wal = options.Durability == DurabilityMode.Ack ? OpenWal(path) : null;
            return new SqliteDurableStore(connection, path, new DurableClock(time), wal);
        }
        catch (SqliteException ex)
        {
            connection.Dispose();
            throw new BrokerStorageException(Describe(path, ex), ex);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    // The WAL exists once the connection has read the database in WAL mode (Check did), and stays while it is open.
    private static SafeFileHandle OpenWal(string path)
    {
        try
        {
            return File.OpenHandle(path + "-wal", FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new BrokerStorageException($"cannot open the write-ahead log of '{path}' to sync it: {ex.Message}", ex);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// fsync of the WAL file: on Linux (and every POSIX system) it writes the file's dirty pages, whichever descriptor
    /// wrote them, so every frame SQLite wrote before this call is on disk when it returns. The database file needs
    /// no sync here: commits write only to the WAL, and a checkpoint syncs the database file itself before the WAL
    /// frames it copied can be overwritten.
    /// </remarks>
    public void Sync()
    {
        if (_wal is not null)
        {
            RandomAccess.FlushToDisk(_wal);
        }
    }

    /// <summary>Creates the empty database file 0600 before SQLite does (it would make it 0644); SQLite gives its WAL and shm files the database file's mode.</summary>
    private static void CreateOwnerOnlyFile(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        using var file = new FileStream(path, new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
        });
    }

    /// <summary>Tightens a database file an earlier version created with SQLite's default mode (and its WAL and shm files) to 0600.</summary>
    private static void RestrictToOwner(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        foreach (string file in new[] { path, path + "-wal", path + "-shm" })
        {
            if (File.Exists(file))
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A message queued and removed within the batch (typically: routed, sent and acknowledged by the subscriber while
    /// the previous commit was being fsynced) touches no row at all: its INSERT, UPDATEs and DELETE would cancel out in
    /// this one transaction, so skipping them changes nothing a reader or a crash can observe. A removal whose queueing
    /// was committed by an earlier batch is always applied.
    /// </remarks>
    public void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs)
    {
        var transient = TransientMessages(operations);
        using var transaction = _connection.BeginTransaction();
        _statements.Begin(transaction);
        foreach (var operation in operations)
        {
            if (transient.Count > 0 && StoreIdOf(operation) is long id && transient.Contains(id))
            {
                continue;
            }

            _statements.Apply(operation);
        }

        _statements.SetLastAlive(nowUnixMs);
        transaction.Commit();
    }

    // The store keys of the messages both queued and removed within `operations`. Reused between batches (the writer
    // thread is the only caller).
    private HashSet<long> TransientMessages(IReadOnlyList<DurableOperation> operations)
    {
        var queued = _queuedInBatch;
        var transient = _transientInBatch;
        queued.Clear();
        transient.Clear();
        foreach (var operation in operations)
        {
            if (operation is MessageQueued q)
            {
                queued.Add(q.Delivery.StoreId);
            }
            else if (operation is MessageRemoved r && queued.Contains(r.StoreId))
            {
                transient.Add(r.StoreId);
            }
        }

        return transient;
    }

    private static long? StoreIdOf(DurableOperation operation) => operation switch
    {
        MessageQueued q => q.Delivery.StoreId,
        MessageSent s => s.StoreId,
        MessageReleased r => r.StoreId,
        MessageRemoved r => r.StoreId,
        _ => null,
    };

    /// <summary>For tests: the handle <see cref="Sync"/> fsyncs (null with periodic durability).</summary>
    internal SafeFileHandle? WalHandle => _wal;

    /// <summary>For tests: the writer connection's <c>PRAGMA synchronous</c> (1: NORMAL).</summary>
    internal long Synchronous => Scalar(_connection, "PRAGMA synchronous;");

    /// <inheritdoc/>
    public void Dispose()
    {
        lock (_readGate)
        {
            _readerDisposed = true;
            _readQueued?.Dispose();
            _reader?.Dispose();
        }

        _statements.Dispose();
        _connection.Dispose();
        _wal?.Dispose();
    }

    internal static string Describe(string path, SqliteException ex) => ex.SqliteErrorCode switch
    {
        26 => $"the database '{path}' is not a SQLite database, or its header is damaged (SQLite error 26). Move it aside or restore a backup; the broker does not start over it with an empty state.",
        11 => $"the database '{path}' is corrupt (SQLite error 11: {ex.Message}). Move it aside or restore a backup; the broker does not start over it with an empty state.",
        _ => $"cannot use the database '{path}': {ex.Message}",
    };

    private static void Check(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA quick_check;";
        var problems = new List<string>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                problems.Add(reader.GetString(0));
            }
        }

        if (problems is not ["ok"])
        {
            throw new BrokerStorageException($"the database '{path}' failed its integrity check: {string.Join("; ", problems.Take(5))}. Move it aside or restore a backup; the broker does not start over it with an empty state.");
        }
    }

    private static void Migrate(SqliteConnection connection, string path)
    {
        long version = Scalar(connection, "PRAGMA user_version;");
        if (version > SqliteSchema.Version)
        {
            throw new BrokerStorageException($"the database '{path}' has schema version {version}, newer than this broker's {SqliteSchema.Version}; run a newer Tern.");
        }

        for (long v = version; v < SqliteSchema.Version; v++)
        {
            using var transaction = connection.BeginTransaction();
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = SqliteSchema.Migrations[v] + $"\nPRAGMA user_version = {v + 1};";
            command.ExecuteNonQuery();
            transaction.Commit();
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
