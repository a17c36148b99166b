using System.Globalization;
using Microsoft.Data.Sqlite;
using Tern.Broker.Persistence;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Sqlite;

internal sealed partial class SqliteDurableStore
{
    /// <inheritdoc/>
    public DurableState Load()
    {
        try
        {
            var subscriptions = ReadSubscriptions();
            var deliveries = ReadDeliveries();
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
                        awaiting.GetValueOrDefault(clientId) ?? []));
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

    private Dictionary<string, List<StoredDelivery>> ReadDeliveries()
    {
        var result = new Dictionary<string, List<StoredDelivery>>(StringComparer.Ordinal);
        using var command = Command("""
            SELECT id, client_id, qos, retain, subscription_identifiers, packet_id, released, topic, properties, payload, message_qos, message_retain, publisher, expires_at
            FROM queue ORDER BY id
            """);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var message = new StoredMessage(Utf8(reader.GetString(7)), Bytes(reader, 8), Bytes(reader, 9), (QualityOfService)reader.GetInt32(10), reader.GetInt64(11) != 0, reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt64(13));
            int[]? identifiers = reader.IsDBNull(4) ? null : [.. reader.GetString(4).Split(',').Select(i => int.Parse(i, CultureInfo.InvariantCulture))];
            Add(result, reader.GetString(1), new StoredDelivery(reader.GetInt64(0), message, (QualityOfService)reader.GetInt32(2), reader.GetInt64(3) != 0, identifiers, (ushort)reader.GetInt32(5), reader.GetInt64(6) != 0));
        }

        return result;
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
