using Tern.Broker;
using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>A store that cannot write, and one that cannot be read: the broker refuses rather than promises, and never starts empty over a damaged file.</summary>
public sealed class FaultTests
{
    [Fact]
    public async Task While_writes_fail_QoS_1_publishes_are_refused_with_0x97_and_accepted_again_once_writes_succeed()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using (var broker = await DurableBroker.StartAsync(data, faults: faults))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
            await subscriber.SubscribeAsync("t", 1);
            await subscriber.DisconnectAsync();
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);
            await publisher.PublishAsync("t", "before", 1, 1);

            faults.Failing = true;
            await publisher.SendAsync(Wire.Publish("t", "unstored", 1, 2, version: 5));
            var first = await publisher.ExpectAsync(Wire.PubAck);

            // The commit holding its writes failed (0x80), or an idle commit failed first and it was refused (0x97).
            Assert.Contains(first.Reason, new byte[] { 0x80, 0x97 });
            await publisher.SendAsync(Wire.Publish("t", "refused", 1, 3, version: 5));
            Assert.Equal(0x97, (await publisher.ExpectAsync(Wire.PubAck)).Reason);
            Assert.Contains("[6001]", broker.Log, StringComparison.Ordinal);

            faults.Failing = false;
            byte reason = 0x97;
            for (ushort id = 4; id < 20 && reason != 0; id++)
            {
                // The writer retries every second; the first publish after its retry succeeds is accepted.
                await faults.WaitForCommitAsync(TimeSpan.FromSeconds(5));
                await publisher.SendAsync(Wire.Publish("t", "after", 1, id, version: 5));
                reason = (await publisher.ExpectAsync(Wire.PubAck)).Reason;
            }

            Assert.Equal(0, reason);
            Assert.Contains("[6002]", broker.Log, StringComparison.Ordinal);
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
            var payloads = new List<string>();
            while (payloads.LastOrDefault() != "after")
            {
                payloads.AddRange((await subscriber.ReceiveAsync(1)).Select(p => p.Payload!));
            }

            Assert.Equal("before", payloads[0]);
            Assert.DoesNotContain("refused", payloads);
        }
    }

    [Fact]
    public async Task While_syncs_fail_QoS_1_publishes_are_refused_as_when_commits_fail_and_accepted_again_once_a_sync_succeeds()
    {
        // Ack durability commits without fsync and syncs the WAL apart: an fsync that fails (an I/O error) must refuse
        // the PUBLISHes of its batch exactly as a failed commit does, never acknowledge them.
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using var broker = await DurableBroker.StartAsync(data, faults: faults);
        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
        await subscriber.SubscribeAsync("t", 1);
        await subscriber.DisconnectAsync();
        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);
        await publisher.PublishAsync("t", "before", 1, 1);

        faults.SyncFailing = true;
        await publisher.SendAsync(Wire.Publish("t", "unsynced", 1, 2, version: 5));
        Assert.Contains((await publisher.ExpectAsync(Wire.PubAck)).Reason, new byte[] { 0x80, 0x97 });
        await publisher.SendAsync(Wire.Publish("t", "refused", 1, 3, version: 5));
        Assert.Equal(0x97, (await publisher.ExpectAsync(Wire.PubAck)).Reason);
        Assert.Contains("[6001]", broker.Log, StringComparison.Ordinal);
        Assert.True(faults.FailedSyncs > 0);

        faults.SyncFailing = false;
        byte reason = 0x97;
        for (ushort id = 4; id < 20 && reason != 0; id++)
        {
            // The sync stage tries again every second; the first publish after a sync succeeds is accepted.
            await faults.WaitForSyncAsync(TimeSpan.FromSeconds(5));
            await publisher.SendAsync(Wire.Publish("t", "after", 1, id, version: 5));
            reason = (await publisher.ExpectAsync(Wire.PubAck)).Reason;
        }

        Assert.Equal(0, reason);
        Assert.Contains("[6002]", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task While_writes_fail_readyz_is_503_and_it_is_200_again_once_writes_succeed()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using var broker = await DurableBroker.StartAsync(data, faults: faults, configure: o =>
        {
            o.Http.Enabled = true;
            o.Http.Port = 0;
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://{broker.Broker.HttpEndpoint}") };
        Assert.Equal(System.Net.HttpStatusCode.OK, (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode);

        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false, version: 5, sessionExpiry: 3600);
        await subscriber.SubscribeAsync("t", 1);
        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true, version: 5);
        faults.Failing = true;
        await publisher.SendAsync(Wire.Publish("t", "unstored", 1, 1, version: 5));
        Assert.NotEqual(0, (await publisher.ExpectAsync(Wire.PubAck)).Reason);

        using var failing = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(System.Net.HttpStatusCode.ServiceUnavailable, failing.StatusCode);
        Assert.Contains("durable store cannot write", await failing.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        faults.Failing = false;
        var status = System.Net.HttpStatusCode.ServiceUnavailable;
        for (int attempt = 0; attempt < 10 && status != System.Net.HttpStatusCode.OK; attempt++)
        {
            // The writer retries every second; readiness follows the first commit that succeeds.
            await faults.WaitForCommitAsync(TimeSpan.FromSeconds(5));
            status = (await http.GetAsync(new Uri("/readyz", UriKind.Relative))).StatusCode;
        }

        Assert.Equal(System.Net.HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task While_writes_fail_a_3_1_1_publisher_of_QoS_1_is_disconnected_instead_of_acknowledged()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using var broker = await DurableBroker.StartAsync(data, faults: faults);
        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
        await subscriber.SubscribeAsync("t", 1);
        await subscriber.DisconnectAsync();
        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
        faults.Failing = true;
        await publisher.SendAsync(Wire.Publish("t", "unstored", 1, 1));

        // 3.1.1 has no PUBACK code for "not stored": the connection closes and the client resends after reconnecting.
        await publisher.Connection.ExpectClosedAsync(Client.Timeout);
    }

    [Fact]
    public async Task While_writes_fail_a_SUBSCRIBE_of_a_persistent_session_gets_0x80_and_is_not_kept()
    {
        using var data = new DataDirectory();
        var faults = new FaultyStoreFactory();
        await using var broker = await DurableBroker.StartAsync(data, faults: faults);
        var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
        faults.Failing = true;
        await subscriber.SendAsync(Wire.Subscribe(1, "t", 1));
        Assert.Equal(0x80, (await subscriber.ExpectAsync(9)).Reason);
        faults.Failing = false;

        var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
        await publisher.SendAsync(Wire.Publish("t", "x", 0));
        await subscriber.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
    }

    [Fact]
    public async Task A_database_file_of_garbage_stops_the_start_with_a_clear_error_and_is_left_as_it_was()
    {
        using var data = new DataDirectory();
        Directory.CreateDirectory(data.Path);
        var garbage = new byte[64 * 1024];
        new Random(6).NextBytes(garbage);
        await File.WriteAllBytesAsync(data.DatabaseFile, garbage);

        var error = await Assert.ThrowsAsync<BrokerStorageException>(() => DurableBroker.StartAsync(data));

        Assert.Contains(data.DatabaseFile, error.Message, StringComparison.Ordinal);
        Assert.Contains("not a SQLite database", error.Message, StringComparison.Ordinal);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(data.DatabaseFile));
    }

    [Fact]
    public async Task A_truncated_database_stops_the_start_with_a_clear_error()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            for (int i = 0; i < 200; i++)
            {
                await publisher.PublishAsync("r/" + i, new string('x', 500), 1, (ushort)(i + 1), retain: true);
            }
        }

        long length = new FileInfo(data.DatabaseFile).Length;
        using (var file = File.OpenWrite(data.DatabaseFile))
        {
            file.SetLength(length / 2);
        }

        var error = await Assert.ThrowsAsync<BrokerStorageException>(() => DurableBroker.StartAsync(data));
        Assert.Contains(data.DatabaseFile, error.Message, StringComparison.Ordinal);
        Assert.Contains("restore a backup", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_from_a_newer_broker_is_refused()
    {
        using var data = new DataDirectory();
        await (await DurableBroker.StartAsync(data)).DisposeAsync();
        StoreFile.Execute(data, "PRAGMA user_version = 99;");

        var error = await Assert.ThrowsAsync<BrokerStorageException>(() => DurableBroker.StartAsync(data));
        Assert.Contains("schema version 99", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_data_directory_that_cannot_be_created_stops_the_start_with_a_clear_error()
    {
        using var data = new DataDirectory();
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(data.Path)!);
        await File.WriteAllTextAsync(data.Path, "a file where the directory should be");
        try
        {
            var error = await Assert.ThrowsAsync<BrokerStorageException>(() => DurableBroker.StartAsync(data));
            Assert.Contains("cannot create the data directory", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(data.Path);
        }
    }
}
