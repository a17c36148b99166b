using System.Globalization;
using Microsoft.Data.Sqlite;
using Tern.Broker.Persistence;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Sqlite;

internal sealed partial class SqliteDurableStore
{
    /// <inheritdoc/>
    public DurableState Load(int cachedMessagesPerSession)
    {
        try
        {
            var subscriptions = ReadSubscriptions();
            var (deliveries, pagedOut) = ReadDeliveries(cachedMessagesPerSession);
            var awaiting = ReadAwaitingRelease();
            var sessions = new List<StoredSession>();
            using (var command = Command("SELECT client_id, expiry_interval, disconnected_at, will_delay, will_topic, will_properties, will_payload, will_qos, will_retain, will_expires_at FROM sessions"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    string clientId = reader.GetString(0);
                    StoredMessage? will = reader.IsDBNull(4)
                        ? null
                        : new StoredMessage(Utf8(reader.GetString(4)), Bytes(reader, 5), Bytes(reader, 6), (QualityOfService)reader.GetInt32(7), reader.GetInt64(8) != 0, clientId, reader.GetInt64(9));
                    sessions.Add(new StoredSession(
                        clientId,
                        (uint)reader.GetInt64(1),
                        reader.IsDBNull(2) ? null : reader.GetInt64(2),
                        will,
                        (uint)reader.GetInt64(3),
                        subscriptions.GetValueOrDefault(clientId) ?? [],
                        deliveries.GetValueOrDefault(clientId) ?? [],
                        awaiting.GetValueOrDefault(clientId) ?? [],
                        pagedOut.GetValueOrDefault(clientId)));
                }
            }

            var retained = new List<StoredMessage>();
            using (var command = Command("SELECT topic, properties, payload, qos, publisher, expires_at FROM retained"))
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    retained.Add(new StoredMessage(Utf8(reader.GetString(0)), Bytes(reader, 1), Bytes(reader, 2), (QualityOfService)reader.GetInt32(3), true, reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetInt64(5)));
                }
            }

            long lastAlive;
            using (var command = Command("SELECT value FROM meta WHERE key = 'last_alive'"))
            {
                lastAlive = command.ExecuteScalar() is long value ? value : 0;
            }

            return new DurableState(sessions, retained, lastAlive);
        }
        catch (SqliteException ex)
        {
            throw new BrokerStorageException(Describe(_path, ex), ex);
        }
    }

    private Dictionary<string, List<StoredSubscription>> ReadSubscriptions()
    {
        var result = new Dictionary<string, List<StoredSubscription>>(StringComparer.Ordinal);
        using var command = Command("SELECT client_id, topic_filter, qos, no_local, retain_as_published, retain_handling, subscription_identifier FROM subscriptions");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var options = new SubscriptionEntryOptions
            {
                GrantedQoS = (QualityOfService)reader.GetInt32(2),
                NoLocal = reader.GetInt64(3) != 0,
                RetainAsPublished = reader.GetInt64(4) != 0,
                RetainHandling = (RetainHandling)reader.GetInt32(5),
                SubscriptionIdentifier = reader.GetInt32(6),
            };
            Add(result, reader.GetString(0), new StoredSubscription(reader.GetString(1), options));
        }

        return result;
    }

    // One pass in queue order. Messages in flight are read whole; of each session's queued messages the first
    // `cached` are read whole, the others as key and size only (their blobs are not touched).
    private (Dictionary<string, List<StoredDelivery>> Whole, Dictionary<string, List<StoredQueueEntry>> PagedOut) ReadDeliveries(int cached)
    {
        var whole = new Dictionary<string, List<StoredDelivery>>(StringComparer.Ordinal);
        var pagedOut = new Dictionary<string, List<StoredQueueEntry>>(StringComparer.Ordinal);
        var queuedCounts = new Dictionary<string, int>(StringComparer.Ordinal);
        using var command = Command($"SELECT {DeliveryColumns}, {SizeColumn} FROM queue ORDER BY id");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            string clientId = reader.GetString(1);
            if (reader.GetInt32(5) == 0)
            {
                int queued = queuedCounts.GetValueOrDefault(clientId);
                queuedCounts[clientId] = queued + 1;
                if (queued >= cached)
                {
                    Add(pagedOut, clientId, new StoredQueueEntry(reader.GetInt64(0), reader.GetInt32(14)));
                    continue;
                }
            }

            Add(whole, clientId, ReadDelivery(reader));
        }

        return (whole, pagedOut);
    }

    /// <inheritdoc/>
    public IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit)
    {
        lock (_readGate)
        {
            ObjectDisposedException.ThrowIf(_readerDisposed, this);
            try
            {
                if (_reader is null)
                {
                    var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = _path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
                    connection.Open();
                    _reader = connection;
                    _readQueued = connection.CreateCommand();
                    _readQueued.CommandText = $"SELECT {DeliveryColumns} FROM queue WHERE client_id = $c AND id >= $id AND packet_id = 0 ORDER BY id LIMIT $n";
                    _readQueued.Parameters.Add(new SqliteParameter { ParameterName = "$c" });
                    _readQueued.Parameters.Add(new SqliteParameter { ParameterName = "$id" });
                    _readQueued.Parameters.Add(new SqliteParameter { ParameterName = "$n" });
                }

                var command = _readQueued!;
                command.Parameters[0].Value = clientId;
                command.Parameters[1].Value = fromStoreId;
                command.Parameters[2].Value = limit;
                var result = new List<StoredDelivery>(Math.Min(limit, 1024));
                using var reader = command.ExecuteReader();
                while (reader.Read())
                {
                    result.Add(ReadDelivery(reader));
                }

                return result;
            }
            catch (SqliteException ex)
            {
                throw new BrokerStorageException(Describe(_path, ex), ex);
            }
        }
    }

    private const string DeliveryColumns = "id, client_id, qos, retain, subscription_identifiers, packet_id, released, topic, properties, payload, message_qos, message_retain, publisher, expires_at";

    // The bytes a queued message counts against MaxQueuedBytes (the topic is TEXT: its UTF-8 length).
    private const string SizeColumn = "length(CAST(topic AS BLOB)) + length(properties) + length(payload)";

    private static StoredDelivery ReadDelivery(SqliteDataReader reader)
    {
        var message = new StoredMessage(Utf8(reader.GetString(7)), Bytes(reader, 8), Bytes(reader, 9), (QualityOfService)reader.GetInt32(10), reader.GetInt64(11) != 0, reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt64(13));
        int[]? identifiers = reader.IsDBNull(4) ? null : [.. reader.GetString(4).Split(',').Select(i => int.Parse(i, CultureInfo.InvariantCulture))];
        return new StoredDelivery(reader.GetInt64(0), message, (QualityOfService)reader.GetInt32(2), reader.GetInt64(3) != 0, identifiers, (ushort)reader.GetInt32(5), reader.GetInt64(6) != 0);
    }

    private Dictionary<string, List<ushort>> ReadAwaitingRelease()
    {
        var result = new Dictionary<string, List<ushort>>(StringComparer.Ordinal);
        using var command = Command("SELECT client_id, packet_id FROM awaiting_release");
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            Add(result, reader.GetString(0), (ushort)reader.GetInt32(1));
        }

        return result;
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        return command;
    }

    private static void Add<T>(Dictionary<string, List<T>> lists, string key, T value)
    {
        if (!lists.TryGetValue(key, out var list))
        {
            list = [];
            lists[key] = list;
        }

        list.Add(value);
    }

    private static byte[] Utf8(string value) => System.Text.Encoding.UTF8.GetBytes(value);

    private static byte[] Bytes(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? [] : (byte[])reader.GetValue(ordinal);
}
