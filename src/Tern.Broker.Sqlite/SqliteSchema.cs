namespace Tern.Broker.Sqlite;

/// <summary>
/// The versioned schema. <c>PRAGMA user_version</c> holds the version a database is at; at open every migration above
/// it runs, each in its own transaction. A database at a version above <see cref="Version"/> was written by a newer
/// broker and is refused. The tables are documented for sqlite3 users in docs/persistence.md.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The migrations, in order; migration i brings a database from version i to i + 1.</summary>
    public static readonly string[] Migrations =
    [
        """
        CREATE TABLE meta (
            key TEXT PRIMARY KEY,
            value INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE sessions (
            client_id TEXT PRIMARY KEY,
            expiry_interval INTEGER NOT NULL,
            disconnected_at INTEGER,
            will_delay INTEGER NOT NULL DEFAULT 0,
            will_topic TEXT,
            will_properties BLOB,
            will_payload BLOB,
            will_qos INTEGER,
            will_retain INTEGER,
            will_expires_at INTEGER
        ) WITHOUT ROWID;
        CREATE TABLE subscriptions (
            client_id TEXT NOT NULL,
            topic_filter TEXT NOT NULL,
            qos INTEGER NOT NULL,
            no_local INTEGER NOT NULL,
            retain_as_published INTEGER NOT NULL,
            retain_handling INTEGER NOT NULL,
            subscription_identifier INTEGER NOT NULL,
            PRIMARY KEY (client_id, topic_filter)
        ) WITHOUT ROWID;
        CREATE TABLE queue (
            id INTEGER PRIMARY KEY,
            client_id TEXT NOT NULL,
            qos INTEGER NOT NULL,
            retain INTEGER NOT NULL,
            subscription_identifiers TEXT,
            packet_id INTEGER NOT NULL DEFAULT 0,
            released INTEGER NOT NULL DEFAULT 0,
            topic TEXT NOT NULL,
            properties BLOB NOT NULL,
            payload BLOB NOT NULL,
            message_qos INTEGER NOT NULL,
            message_retain INTEGER NOT NULL,
            publisher TEXT,
            expires_at INTEGER NOT NULL
        );
        CREATE INDEX queue_by_client ON queue (client_id, id);
        CREATE TABLE awaiting_release (
            client_id TEXT NOT NULL,
            packet_id INTEGER NOT NULL,
            PRIMARY KEY (client_id, packet_id)
        ) WITHOUT ROWID;
        CREATE TABLE retained (
            topic TEXT PRIMARY KEY,
            properties BLOB NOT NULL,
            payload BLOB NOT NULL,
            qos INTEGER NOT NULL,
            publisher TEXT,
            expires_at INTEGER NOT NULL
        ) WITHOUT ROWID;
        """,
    ];

    /// <summary>The version this broker writes.</summary>
    public static int Version => Migrations.Length;
}
