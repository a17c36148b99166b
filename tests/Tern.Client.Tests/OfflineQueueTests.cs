using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>Publishes made while disconnected: queued, bounded with a policy, sent in order on reconnect.</summary>
public sealed class OfflineQueueTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Publishes_made_while_the_broker_is_unreachable_are_sent_in_order_on_reconnect(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        string topic = Unique.Topic("offline");
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);
        await using var client = new MqttClient(Options(proxy.Port, version));
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        proxy.RefuseConnections = true;
        proxy.CutAll();
        await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        var publishes = new[]
        {
            client.PublishAsync(topic, "a", QualityOfService.AtMostOnce),
            client.PublishAsync(topic, "b", QualityOfService.AtLeastOnce),
            client.PublishAsync(topic, "c", QualityOfService.ExactlyOnce),
        };
        Assert.Equal(3, client.QueuedMessageCount);
        Assert.All(publishes, p => Assert.False(p.IsCompleted));

        proxy.RefuseConnections = false;
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
        foreach (var publish in publishes)
        {
            Assert.True((await publish.WaitAsync(Timeouts.Event)).IsSuccess);
        }

        Assert.Equal("a", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        Assert.Equal("b", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        Assert.Equal("c", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        Assert.Equal(0, client.QueuedMessageCount);
    }

    [Fact]
    public async Task Publishes_before_the_first_connect_wait_in_the_queue()
    {
        await using var server = await StartBrokerAsync("tern");
        string topic = Unique.Topic("early");
        await using var subscriber = await ConnectAsync(Options(server));
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await using var client = new MqttClient(Options(server));
        var early = client.PublishAsync(topic, "early", QualityOfService.AtLeastOnce);

        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        Assert.True((await early.WaitAsync(Timeouts.Event)).IsSuccess);
        Assert.Equal("early", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
    }

    [Fact]
    public async Task A_full_queue_drops_its_oldest_message_by_default()
    {
        await using var client = new MqttClient(Options(1883) with { OfflineQueue = new MqttOfflineQueueOptions { Capacity = 2 } });
        var first = client.PublishAsync("t", "1");
        var second = client.PublishAsync("t", "2");
        var third = client.PublishAsync("t", "3");

        await Assert.ThrowsAsync<MqttMessageDroppedException>(() => first.WaitAsync(Timeouts.Event));
        Assert.False(second.IsCompleted);
        Assert.False(third.IsCompleted);
        Assert.Equal(2, client.QueuedMessageCount);
    }

    [Fact]
    public async Task A_full_queue_can_refuse_the_new_message_instead()
    {
        await using var client = new MqttClient(Options(1883) with { OfflineQueue = new MqttOfflineQueueOptions { Capacity = 1, FullPolicy = MqttQueueFullPolicy.RejectNew } });
        var first = client.PublishAsync("t", "1");
        await Assert.ThrowsAsync<MqttMessageDroppedException>(() => client.PublishAsync("t", "2").WaitAsync(Timeouts.Event));
        Assert.False(first.IsCompleted);
    }

    [Fact]
    public async Task Without_an_offline_queue_a_publish_while_disconnected_fails_at_once()
    {
        await using var client = new MqttClient(Options(1883) with { OfflineQueue = new MqttOfflineQueueOptions { Enabled = false } });
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.PublishAsync("t", "1"));
        Assert.Contains("not connected", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelling_a_queued_publish_removes_it_from_the_queue()
    {
        await using var client = new MqttClient(Options(1883));
        using var cancel = new CancellationTokenSource();
        var publish = client.PublishAsync("t", "1", QualityOfService.AtLeastOnce, cancellationToken: cancel.Token);
        Assert.Equal(1, client.QueuedMessageCount);
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => publish.WaitAsync(Timeouts.Event));
        Assert.Equal(0, client.QueuedMessageCount);
    }
}
