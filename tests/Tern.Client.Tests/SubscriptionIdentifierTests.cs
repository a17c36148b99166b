using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>5.0 Subscription Identifiers: sent with SUBSCRIBE (and again when a subscription is restored), read from PUBLISH, used to route.</summary>
public sealed class SubscriptionIdentifierTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Each_subscription_receives_the_messages_tagged_with_its_identifier_even_when_filters_overlap_MQTT_3_3_4_3(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string root = Unique.Topic("ids");
        await using var client = await ConnectAsync(Options(server, ProtocolVersion.V500));
        await using var everything = await client.SubscribeAsync([new MqttTopicFilter(root + "/#", QualityOfService.AtLeastOnce)], new MqttSubscribeOptions { SubscriptionIdentifier = 1 }).WaitAsync(Timeouts.Event);
        await using var onlyA = await client.SubscribeAsync([new MqttTopicFilter(root + "/a", QualityOfService.AtLeastOnce)], new MqttSubscribeOptions { SubscriptionIdentifier = 268_435_455 }).WaitAsync(Timeouts.Event);
        Assert.Equal(268_435_455u, onlyA.SubscriptionIdentifier);

        await client.PublishAsync(root + "/a", "first", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await client.PublishAsync(root + "/b", "second", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await client.PublishAsync(root + "/a", "third", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);

        foreach (string expected in new[] { "first", "second", "third" })
        {
            var message = await everything.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
            Assert.Equal(expected, message.PayloadAsString());
            Assert.Contains(1u, message.SubscriptionIdentifiers);
        }

        foreach (string expected in new[] { "first", "third" })
        {
            var message = await onlyA.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
            Assert.Equal(expected, message.PayloadAsString());
            Assert.Contains(268_435_455u, message.SubscriptionIdentifiers);
        }
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_subscription_restored_after_a_cut_keeps_its_identifier_MQTT_3_8_2_1(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var proxy = TcpProxy.To(server.Port);
        string topic = Unique.Topic("ids-restore");
        await using var client = new MqttClient(Options(proxy.Port, ProtocolVersion.V500));
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);
        await using var subscription = await client.SubscribeAsync([new MqttTopicFilter(topic, QualityOfService.AtLeastOnce)], new MqttSubscribeOptions { SubscriptionIdentifier = 42 }).WaitAsync(Timeouts.Event);

        proxy.CutAll();
        await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.False((await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event)).Result.SessionPresent);

        await using var publisher = await ConnectAsync(Options(server, ProtocolVersion.V500));
        await publisher.PublishAsync(topic, "after", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        var message = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
        Assert.Equal("after", message.PayloadAsString());
        Assert.Equal([42u], message.SubscriptionIdentifiers);
    }

    [Fact]
    public async Task A_subscription_identifier_out_of_range_or_with_3_1_1_is_refused_before_anything_is_sent()
    {
        await using var v5 = new MqttClient(Options(1883, ProtocolVersion.V500));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => v5.SubscribeAsync([new MqttTopicFilter("t")], new MqttSubscribeOptions { SubscriptionIdentifier = 0 }));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => v5.SubscribeAsync([new MqttTopicFilter("t")], new MqttSubscribeOptions { SubscriptionIdentifier = 268_435_456 }));
        await using var v311 = new MqttClient(Options(1883, ProtocolVersion.V311));
        await Assert.ThrowsAsync<NotSupportedException>(() => v311.SubscribeAsync([new MqttTopicFilter("t")], new MqttSubscribeOptions { SubscriptionIdentifier = 1 }));
    }
}
