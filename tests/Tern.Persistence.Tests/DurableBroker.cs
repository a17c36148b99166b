using Microsoft.Extensions.DependencyInjection;
using Tern.Broker;
using Tern.Broker.Persistence;
using Tern.Broker.Sqlite;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>A data directory that outlives broker restarts within one test and is deleted at its end.</summary>
internal sealed class DataDirectory : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tern-persist-" + Guid.NewGuid().ToString("N")[..12]);

    public string DatabaseFile => System.IO.Path.Combine(Path, SqliteDurableStore.FileName);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}

/// <summary>Starts in-process brokers with SQLite persistence on a data directory, optionally on a fake clock and with writes that can be made to fail.</summary>
internal static class DurableBroker
{
    public static Task<TernBroker> StartAsync(DataDirectory data, TimeProvider? time = null, FaultyStoreFactory? faults = null, Action<BrokerOptions>? configure = null, DurabilityMode durability = DurabilityMode.Ack) =>
        TernBroker.StartAsync(
            o =>
            {
                o.Persistence.Mode = PersistenceMode.Sqlite;
                o.Persistence.DataDirectory = data.Path;
                o.Persistence.Durability = durability;
                o.Persistence.FlushInterval = TimeSpan.FromMilliseconds(20);
                configure?.Invoke(o);
            },
            time,
            services: faults is null ? s => s.AddTernSqlitePersistence() : s => s.AddSingleton<IDurableStoreFactory>(faults));
}

/// <summary>
/// The SQLite store behind switches: while <see cref="Failing"/> is set every commit throws, as on a full or read-only
/// disk; while <see cref="SyncFailing"/> is set every sync (the fsync of ack durability) throws, as on an I/O error.
/// </summary>
internal sealed class FaultyStoreFactory : IDurableStoreFactory
{
    private volatile bool _failing;
    private volatile bool _syncFailing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }

    public bool SyncFailing
    {
        get => _syncFailing;
        set => _syncFailing = value;
    }

    public int FailedCommits;

    public int FailedSyncs;

    /// <summary>How many of the next page reads (<see cref="IDurableStore.ReadQueued"/>) leave out their first row, as if it were not committed yet.</summary>
    public int HideHeadOfReads;

    /// <summary>How many page reads left out their first row.</summary>
    public int HiddenHeads;

    private Signal _committed = new("a successful commit");

    private Signal _synced = new("a successful sync");

    /// <summary>Waits for a commit that succeeds from now on.</summary>
    public Task WaitForCommitAsync(TimeSpan timeout)
    {
        var signal = new Signal("a successful commit");
        Volatile.Write(ref _committed, signal);
        return signal.WaitAsync(timeout);
    }

    /// <summary>Waits for a sync (ack durability's fsync) that succeeds from now on.</summary>
    public Task WaitForSyncAsync(TimeSpan timeout)
    {
        var signal = new Signal("a successful sync");
        Volatile.Write(ref _synced, signal);
        return signal.WaitAsync(timeout);
    }

    public IDurableStore Open(PersistenceOptions options, TimeProvider time) => new Store(this, SqliteDurableStore.Open(options, time));

    private sealed class Store(FaultyStoreFactory owner, IDurableStore inner) : IDurableStore
    {
        public DurableState Load(int cachedMessagesPerSession) => inner.Load(cachedMessagesPerSession);

        public IReadOnlyList<StoredDelivery> ReadQueued(string clientId, long fromStoreId, int limit)
        {
            var rows = inner.ReadQueued(clientId, fromStoreId, limit);
            if (rows.Count > 0 && Interlocked.Decrement(ref owner.HideHeadOfReads) >= 0)
            {
                Interlocked.Increment(ref owner.HiddenHeads);
                return [.. rows.Skip(1)];
            }

            return rows;
        }

        public void Apply(IReadOnlyList<DurableOperation> operations, long nowUnixMs)
        {
            if (owner.Failing)
            {
                Interlocked.Increment(ref owner.FailedCommits);
                throw new IOException("No space left on device (injected)");
            }

            inner.Apply(operations, nowUnixMs);
            Volatile.Read(ref owner._committed).Set();
        }

        public void Sync()
        {
            if (owner.SyncFailing)
            {
                Interlocked.Increment(ref owner.FailedSyncs);
                throw new IOException("Input/output error (injected fsync failure)");
            }

            inner.Sync();
            Volatile.Read(ref owner._synced).Set();
        }

        public void Dispose() => inner.Dispose();
    }
}

/// <summary>A raw MQTT client for one protocol version, reading parsed packets.</summary>
internal sealed class Client : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private Client(RawMqttConnection connection, int version)
    {
        Connection = connection;
        Version = version;
    }

    public RawMqttConnection Connection { get; }

    public int Version { get; }

    /// <summary>Connects and returns the client with its CONNACK.</summary>
    public static async Task<(Client Client, Packet ConnAck)> ConnectAsync(TernBroker broker, string clientId, bool clean, int version = 4, uint? sessionExpiry = null, Wire.Will? will = null)
    {
        var connection = await RawMqttConnection.ConnectAsync(broker.Host, broker.Port, clientId);
        var client = new Client(connection, version);
        await connection.SendAsync(Wire.Connect(clientId, clean, version, sessionExpiry, will));
        var connAck = await client.NextAsync();
        Assert.Equal(2, connAck.Type);
        Assert.Equal(0, connAck.Reason);
        return (client, connAck);
    }

    public Task SendAsync(byte[] packet) => Connection.SendAsync(packet);

    public async Task<Packet> NextAsync(TimeSpan? timeout = null) => Wire.Parse(await Connection.ReadPacketAsync(timeout ?? Timeout), Version);

    /// <summary>Reads the next packet and checks its type.</summary>
    public async Task<Packet> ExpectAsync(int type)
    {
        var packet = await NextAsync();
        Assert.True(packet.Type == type, $"expected packet type {type}, got {packet}\n{Connection.Transcript}");
        return packet;
    }

    public async Task SubscribeAsync(string filter, int qos, ushort id = 1)
    {
        await SendAsync(Wire.Subscribe(id, filter, qos, Version));
        var subAck = await ExpectAsync(9);
        Assert.Equal(qos, subAck.Reason);
    }

    public async Task PublishAsync(string topic, string payload, int qos, ushort id = 1, bool retain = false)
    {
        await SendAsync(Wire.Publish(topic, payload, qos, id, retain, version: Version));
        if (qos == 1)
        {
            Assert.Equal(0, (await ExpectAsync(Wire.PubAck)).Reason);
        }
        else if (qos == 2)
        {
            Assert.Equal(0, (await ExpectAsync(Wire.PubRec)).Reason);
            await SendAsync(Wire.Ack(Wire.PubRel, id));
            await ExpectAsync(Wire.PubComp);
        }
    }

    /// <summary>A PINGREQ / PINGRESP round trip: everything sent before it has been processed by the broker.</summary>
    public async Task RoundTripAsync()
    {
        await SendAsync([0xC0, 0]);
        await ExpectAsync(13);
    }

    /// <summary>Receives <paramref name="count"/> PUBLISHes, completing each QoS 1/2 flow, and returns them in arrival order.</summary>
    public async Task<List<Packet>> ReceiveAsync(int count)
    {
        var messages = new List<Packet>();
        while (messages.Count < count)
        {
            var packet = await NextAsync();
            switch (packet.Type)
            {
                case 3:
                    messages.Add(packet);
                    if (packet.QoS > 0)
                    {
                        await SendAsync(Wire.Ack(packet.QoS == 1 ? Wire.PubAck : Wire.PubRec, packet.PacketId));
                    }

                    break;
                case Wire.PubRel:
                    await SendAsync(Wire.Ack(Wire.PubComp, packet.PacketId));
                    break;
                default:
                    Assert.Fail($"unexpected {packet}");
                    break;
            }
        }

        return messages;
    }

    public async Task DisconnectAsync()
    {
        await SendAsync(Wire.Disconnect());
        await Connection.ExpectClosedAsync(Timeout);
    }

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
