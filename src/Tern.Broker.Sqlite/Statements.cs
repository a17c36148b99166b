using System.Globalization;
using Microsoft.Data.Sqlite;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;

namespace Tern.Broker.Sqlite;

/// <summary>One prepared command per kind of operation, reused for every batch: a batch costs parameter binding and stepping, not SQL parsing.</summary>
internal sealed class Statements : IDisposable
{
    private readonly List<SqliteCommand> _all = [];
    private readonly SqliteCommand _sessionConnected;
    private readonly SqliteCommand _sessionDisconnected;
    private readonly SqliteCommand _willCleared;
    private readonly SqliteCommand[] _sessionRemoved;
    private readonly SqliteCommand _subscriptionSet;
    private readonly SqliteCommand _subscriptionRemoved;
    private readonly RawStatement _messageQueued;
    private readonly RawStatement _messageSent;
    private readonly RawStatement _messageReleased;
    private readonly RawStatement _messageRemoved;
    private readonly SqliteCommand _releaseAwaited;
    private readonly SqliteCommand _releaseCompleted;
    private readonly SqliteCommand _retainedSet;
    private readonly SqliteCommand _retainedRemoved;
    private readonly SqliteCommand _lastAlive;
    private readonly DurableClock _clock;

    // UTF-8 of the client ids bound to queue rows: a session's id recurs in every row it gets, and binding the string
    // would convert (and allocate) it each time. Bounded: emptied when it reaches MaxCachedIds.
    private const int MaxCachedIds = 10_000;
    private readonly Dictionary<string, byte[]> _utf8 = new(StringComparer.Ordinal);

    public Statements(SqliteConnection connection, DurableClock clock)
    {
        _clock = clock;
        _sessionConnected = Create(connection, """
            INSERT INTO sessions (client_id, expiry_interval, disconnected_at, will_delay, will_topic, will_properties, will_payload, will_qos, will_retain, will_expires_at)
            VALUES ($c, $e, NULL, $wd, $wt, $wp, $wy, $wq, $wr, $wx)
            ON CONFLICT (client_id) DO UPDATE SET expiry_interval = $e, disconnected_at = NULL, will_delay = $wd, will_topic = $wt,
                will_properties = $wp, will_payload = $wy, will_qos = $wq, will_retain = $wr, will_expires_at = $wx
            """, "$c", "$e", "$wd", "$wt", "$wp", "$wy", "$wq", "$wr", "$wx");
        _sessionDisconnected = Create(connection, """
            UPDATE sessions SET expiry_interval = $e, disconnected_at = $d, will_delay = $wd, will_topic = $wt, will_properties = $wp,
                will_payload = $wy, will_qos = $wq, will_retain = $wr, will_expires_at = $wx
            WHERE client_id = $c
            """, "$c", "$e", "$d", "$wd", "$wt", "$wp", "$wy", "$wq", "$wr", "$wx");
        _willCleared = Create(connection, "UPDATE sessions SET will_topic = NULL, will_properties = NULL, will_payload = NULL, will_qos = NULL, will_retain = NULL, will_expires_at = NULL WHERE client_id = $c", "$c");
        _sessionRemoved =
        [
            Create(connection, "DELETE FROM sessions WHERE client_id = $c", "$c"),
            Create(connection, "DELETE FROM subscriptions WHERE client_id = $c", "$c"),
            Create(connection, "DELETE FROM queue WHERE client_id = $c", "$c"),
            Create(connection, "DELETE FROM awaiting_release WHERE client_id = $c", "$c"),
        ];
        _subscriptionSet = Create(connection, """
            INSERT OR REPLACE INTO subscriptions (client_id, topic_filter, qos, no_local, retain_as_published, retain_handling, subscription_identifier)
            VALUES ($c, $f, $q, $n, $r, $h, $i)
            """, "$c", "$f", "$q", "$n", "$r", "$h", "$i");
        _subscriptionRemoved = Create(connection, "DELETE FROM subscriptions WHERE client_id = $c AND topic_filter = $f", "$c", "$f");
        _messageQueued = new RawStatement(connection, """
            INSERT INTO queue (id, client_id, qos, retain, subscription_identifiers, packet_id, released, topic, properties, payload, message_qos, message_retain, publisher, expires_at)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
            """);
        _messageSent = new RawStatement(connection, "UPDATE queue SET packet_id = ?2 WHERE id = ?1");
        _messageReleased = new RawStatement(connection, "UPDATE queue SET released = 1 WHERE id = ?1");
        _messageRemoved = new RawStatement(connection, "DELETE FROM queue WHERE id = ?1");
        _releaseAwaited = Create(connection, "INSERT OR IGNORE INTO awaiting_release (client_id, packet_id) VALUES ($c, $p)", "$c", "$p");
        _releaseCompleted = Create(connection, "DELETE FROM awaiting_release WHERE client_id = $c AND packet_id = $p", "$c", "$p");
        _retainedSet = Create(connection, """
            INSERT OR REPLACE INTO retained (topic, properties, payload, qos, publisher, expires_at) VALUES ($t, $pr, $y, $q, $pub, $x)
            """, "$t", "$pr", "$y", "$q", "$pub", "$x");
        _retainedRemoved = Create(connection, "DELETE FROM retained WHERE topic = $t", "$t");
        _lastAlive = Create(connection, "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_alive', $v)", "$v");
    }


    public void Begin(SqliteTransaction transaction)
    {
        foreach (var command in _all)
        {
            command.Transaction = transaction;
        }
    }

    public void Apply(DurableOperation operation)
    {
        switch (operation)
        {
            case MessageQueued q:
                var m = q.Delivery.Message;
                _messageQueued.Bind(1, q.Delivery.StoreId).BindUtf8(2, Utf8(q.ClientId)).Bind(3, (long)q.Delivery.QoS).Bind(4, q.Delivery.Retain ? 1 : 0)
                    .Bind(5, Identifiers(q.Delivery.SubscriptionIdentifiers)).Bind(6, q.PacketIdentifier).Bind(7, m.Topic).Bind(8, m.Properties)
                    .Bind(9, m.Payload).Bind(10, (long)m.QoS).Bind(11, m.Retain ? 1 : 0).BindUtf8(12, m.PublisherClientId is { } publisher ? Utf8(publisher) : null).Bind(13, ExpiresAt(m)).Run();
                break;
            case MessageRemoved r:
                _messageRemoved.Bind(1, r.StoreId).Run();
                break;
            case MessageSent s:
                _messageSent.Bind(1, s.StoreId).Bind(2, s.PacketIdentifier).Run();
                break;
            case MessageReleased r:
                _messageReleased.Bind(1, r.StoreId).Run();
                break;
            case ReleaseAwaited a:
                Run(_releaseAwaited, a.ClientId, a.PacketIdentifier);
                break;
            case ReleaseCompleted c:
                Run(_releaseCompleted, c.ClientId, c.PacketIdentifier);
                break;
            case SessionConnected c:
                RunWithWill(_sessionConnected, c.Will, c.ClientId, c.ExpiryInterval, c.WillDelay);
                break;
            case SessionDisconnected d:
                RunWithWill(_sessionDisconnected, d.PendingWill, d.ClientId, d.ExpiryInterval, d.DisconnectedAtUnixMs, d.WillDelay);
                break;
            case SessionWillCleared w:
                Run(_willCleared, w.ClientId);
                break;
            case SessionRemoved r:
                foreach (var command in _sessionRemoved)
                {
                    Run(command, r.ClientId);
                }

                break;
            case SubscriptionSet s:
                Run(_subscriptionSet, s.ClientId, s.TopicFilter, (int)s.Options.GrantedQoS, s.Options.NoLocal, s.Options.RetainAsPublished, (int)s.Options.RetainHandling, s.Options.SubscriptionIdentifier);
                break;
            case SubscriptionRemoved r:
                Run(_subscriptionRemoved, r.ClientId, r.TopicFilter);
                break;
            case RetainedSet s:
                var message = s.Message;
                Run(_retainedSet, System.Text.Encoding.UTF8.GetString(message.Topic), message.Properties.ToArray(), message.Payload.ToArray(), (int)message.QoS, message.PublisherClientId, ExpiresAt(message));
                break;
            case RetainedRemoved r:
                Run(_retainedRemoved, r.Topic);
                break;
            default:
                throw new NotSupportedException("Unknown durable operation " + operation.GetType().Name);
        }
    }

    public void SetLastAlive(long nowUnixMs) => Run(_lastAlive, nowUnixMs);

    public void Dispose()
    {
        _messageQueued.Dispose();
        _messageSent.Dispose();
        _messageReleased.Dispose();
        _messageRemoved.Dispose();
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }

    private byte[] Utf8(string id)
    {
        if (!_utf8.TryGetValue(id, out var bytes))
        {
            if (_utf8.Count >= MaxCachedIds)
            {
                _utf8.Clear();
            }

            bytes = System.Text.Encoding.UTF8.GetBytes(id);
            _utf8[id] = bytes;
        }

        return bytes;
    }

    private static string? Identifiers(int[]? identifiers) =>
        identifiers is { Length: > 0 } ? string.Join(',', identifiers.Select(i => i.ToString(CultureInfo.InvariantCulture))) : null;

    private long ExpiresAt(BrokerMessage message) => _clock.ToUnixMs(message.ExpiresAt);

    private void RunWithWill(SqliteCommand command, BrokerMessage? will, params object?[] leading)
    {
        var values = new object?[leading.Length + 6];
        leading.CopyTo(values, 0);
        int i = leading.Length;
        values[i++] = will is null ? null : System.Text.Encoding.UTF8.GetString(will.Topic);
        values[i++] = will?.Properties.ToArray();
        values[i++] = will?.Payload.ToArray();
        values[i++] = will is null ? null : (int)will.QoS;
        values[i++] = will?.Retain;
        values[i] = will is null ? null : ExpiresAt(will);
        Run(command, values);
    }

    private static void Run(SqliteCommand command, params object?[] values)
    {
        for (int i = 0; i < values.Length; i++)
        {
            command.Parameters[i].Value = values[i] switch
            {
                null => DBNull.Value,
                bool b => b ? 1 : 0,
                uint u => (long)u,
                ushort u => (int)u,
                var v => v,
            };
        }

        command.ExecuteNonQuery();
    }

    private SqliteCommand Create(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (string name in parameters)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        _all.Add(command);
        return command;
    }
}
