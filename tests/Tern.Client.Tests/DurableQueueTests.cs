using Tern.Client.Persistence;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>The publish queue in a file: what one client could not deliver, the next one with the same file sends.</summary>
public sealed class DurableQueueTests(ITestOutputHelper output) : ClientTest(output), IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("tern-client-queue-");

    private string QueueFile => Path.Combine(_directory.FullName, "queue.log");

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_queued_in_a_file_are_sent_by_the_next_client_after_a_restart(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("durable");
        int unreachable = Tern.TestKit.FreePort.OnLoopback();

        // The first "process" never reaches a broker, then stops with its messages undelivered.
        var first = new MqttClient(Options(unreachable, version) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } });
        var abandoned = new[]
        {
            first.PublishAsync(new MqttMessage(topic, "one") { QoS = QualityOfService.AtLeastOnce, ContentType = "text/plain" }),
            first.PublishAsync(topic, "two", QualityOfService.AtMostOnce),
            first.PublishAsync(topic, "three", QualityOfService.ExactlyOnce),
        };
        await first.DisposeAsync();
        foreach (var publish in abandoned)
        {
            await Assert.ThrowsAsync<ObjectDisposedException>(() => publish);
        }

        // The next one, with the same file, delivers them in order.
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using (var second = new MqttClient(Options(server, version) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } }))
        {
            Assert.Equal(3, second.QueuedMessageCount);
            await second.ConnectAsync().WaitAsync(Timeouts.Event);
            var one = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
            Assert.Equal("one", one.PayloadAsString());
            Assert.Equal(QualityOfService.AtLeastOnce, one.QoS);
            if (version == ProtocolVersion.V500)
            {
                Assert.Equal("text/plain", one.ContentType);
            }

            Assert.Equal("two", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
            Assert.Equal("three", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
            await second.WhenDeliveredAsync().WaitAsync(Timeouts.Event);
            await second.DisconnectAsync().WaitAsync(Timeouts.Event);
        }

        // Delivered means forgotten: a third client finds nothing to send.
        using var store = FileMessageStore.Open(QueueFile, out var left);
        Assert.Empty(left);
    }

    [Fact]
    public void A_record_torn_by_a_crash_is_dropped_and_everything_before_it_kept()
    {
        using (var store = FileMessageStore.Open(QueueFile, out _))
        {
            store.Add("a", QualityOfService.AtLeastOnce, false, [], "1"u8);
            store.Add("b", QualityOfService.AtLeastOnce, true, [], "2"u8);
        }

        // A crash in the middle of the third append: half a record at the end.
        using (var file = new FileStream(QueueFile, FileMode.Append))
        {
            file.Write([40, 0, 0, 0, 1, 2, 3, 4, 1, 9]);
        }

        using var reopened = FileMessageStore.Open(QueueFile, out var messages);
        Assert.Equal(["a", "b"], messages.Select(m => m.Topic));
        Assert.True(messages[1].Retain);
        Assert.Equal("2"u8.ToArray(), messages[1].Payload);
    }

    [Fact]
    public void Removed_records_are_compacted_away_so_the_file_stays_small()
    {
        using (var store = FileMessageStore.Open(QueueFile, out _, compactionSlack: 16))
        {
            for (int i = 0; i < 200; i++)
            {
                long id = store.Add("t", QualityOfService.AtLeastOnce, false, [], new byte[100]);
                store.Remove(id);
            }

            store.Add("last", QualityOfService.AtLeastOnce, false, [], "x"u8);
            Assert.Equal(1, store.Count);
        }

        // 200 records of over 100 bytes were written; at most 16 removed ones plus the live one remain.
        Assert.InRange(new FileInfo(QueueFile).Length, 1, 34 * 130);
        using var reopened = FileMessageStore.Open(QueueFile, out var messages);
        Assert.Equal("last", Assert.Single(messages).Topic);
    }

    [Fact]
    public void A_queue_file_belongs_to_one_client_at_a_time()
    {
        using var store = FileMessageStore.Open(QueueFile, out _);
        Assert.Throws<IOException>(() => new MqttClient(Options(1883) with { OfflineQueue = new MqttOfflineQueueOptions { FilePath = QueueFile } }));
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
