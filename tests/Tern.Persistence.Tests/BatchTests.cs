using Tern.Broker;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Broker.Sessions;
using Tern.Broker.Sqlite;
using Tern.Protocol;

namespace Tern.Persistence.Tests;

/// <summary>
/// The store's batches: a message queued and removed within one batch writes no row, and nothing else changes — a
/// message whose removal comes in a later batch than its queueing is stored until then, and a removed message never
/// comes back.
/// </summary>
public sealed class BatchTests
{
    private static readonly DurableClock Clock = new(TimeProvider.System);

    [Fact]
    public void A_message_queued_and_removed_in_one_batch_leaves_no_row_and_its_neighbours_are_kept()
    {
        using var data = new DataDirectory();
        using (var store = Open(data))
        {
            store.Apply([Session("s"), Queued("s", 1, "a"), Queued("s", 2, "b"), new MessageSent(1, 7), Queued("s", 3, "c"), new MessageRemoved(1)], Clock.NowUnixMs);
        }

        Assert.Equal(["b", "c"], Payloads(data));
    }

    [Fact]
    public void A_message_removed_in_a_later_batch_than_its_queueing_is_stored_until_that_batch_and_never_comes_back()
    {
        using var data = new DataDirectory();
        using (var store = Open(data))
        {
            store.Apply([Session("s"), Queued("s", 1, "a"), Queued("s", 2, "b", packetIdentifier: 3)], Clock.NowUnixMs);
            Assert.Equal(["a", "b"], Payloads(data));

            // The removal of 1 arrives in the next batch, together with a new message that is also removed there.
            store.Apply([new MessageRemoved(1), Queued("s", 4, "d"), new MessageReleased(2), new MessageRemoved(4)], Clock.NowUnixMs);
            Assert.Equal(["b"], Payloads(data));
            store.Apply([new MessageRemoved(2)], Clock.NowUnixMs);
        }

        Assert.Empty(Payloads(data));
        using var reopened = Open(data);
        Assert.Empty(reopened.Load(1000).Sessions.Single().Deliveries);
    }

    [Fact]
    public async Task A_failed_batch_retried_with_the_removal_of_its_message_loses_nothing_and_resurrects_nothing()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using (var broker = await DurableBroker.StartAsync(data, faults: faults))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            await subscriber.DisconnectAsync();

            // The queueing of "kept" and "taken" is committed (their PUBACKs came); then every commit fails while they
            // are sent and acknowledged, so their sending and removal wait in the writer's batch and are retried.
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("t", "kept", 1, 1);
            await publisher.PublishAsync("t", "taken", 1, 2);
            faults.Failing = true;
            var (again, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var received = await again.ReceiveAsync(2);
            Assert.Equal(["kept", "taken"], received.Select(m => m.Payload));
            await again.RoundTripAsync();
            var committed = faults.WaitForCommitAsync(TimeSpan.FromSeconds(10));
            faults.Failing = false;
            await committed;
        }

        // The removals, in a later batch than the queueing, were applied when the store recovered: no row is left.
        Assert.Equal(0, StoreFile.Count(data, "queue"));
    }

    private static SqliteDurableStore Open(DataDirectory data) =>
        SqliteDurableStore.Open(new PersistenceOptions { Mode = PersistenceMode.Sqlite, DataDirectory = data.Path }, TimeProvider.System);

    private static SessionConnected Session(string clientId) => new(clientId, MqttSession.NeverExpires, null, 0);

    private static MessageQueued Queued(string clientId, long storeId, string payload, ushort packetIdentifier = 0)
    {
        var message = BrokerMessage.Create("t"u8, [], System.Text.Encoding.UTF8.GetBytes(payload), QualityOfService.AtLeastOnce, false, null, TimeProvider.System);
        return new MessageQueued(clientId, new Delivery(message, QualityOfService.AtLeastOnce, false, StoreId: storeId), packetIdentifier);
    }

    private static List<string> Payloads(DataDirectory data)
    {
        using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={data.DatabaseFile};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT payload FROM queue ORDER BY id";
        using var reader = command.ExecuteReader();
        var payloads = new List<string>();
        while (reader.Read())
        {
            payloads.Add(System.Text.Encoding.UTF8.GetString((byte[])reader.GetValue(0)));
        }

        return payloads;
    }
}
