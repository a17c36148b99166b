using Tern.Client.Tests.Support;
using Tern.Protocol;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>Application Messages through a real broker: each QoS both ways, retained messages, unsubscribe, 5.0 properties.</summary>
public sealed class PublishSubscribeTests(ITestOutputHelper output) : ClientTest(output)
{
    public static TheoryData<string, ProtocolVersion, QualityOfService> EveryQoS
    {
        get
        {
            var data = new TheoryData<string, ProtocolVersion, QualityOfService>();
            foreach (var (broker, version) in BrokersAndVersions.Select(row => ((string)row[0], (ProtocolVersion)row[1])))
            {
                foreach (var qos in new[] { QualityOfService.AtMostOnce, QualityOfService.AtLeastOnce, QualityOfService.ExactlyOnce })
                {
                    data.Add(broker, version, qos);
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(EveryQoS))]
    public async Task A_message_published_at_a_QoS_arrives_at_that_QoS_and_the_publish_completes_on_its_acknowledgement_MQTT_4_3(string broker, ProtocolVersion version, QualityOfService qos)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var publisher = await ConnectAsync(Options(server, version));
        string topic = Unique.Topic("qos");
        await using var subscription = await subscriber.SubscribeAsync(topic, qos).WaitAsync(Timeouts.Event);
        Assert.Equal([(ReasonCode)qos], subscription.Result.ReasonCodes);

        var result = await publisher.PublishAsync(topic, "hello", qos).WaitAsync(Timeouts.Event);
        Assert.True(result.IsSuccess, result.ReasonCode.ToString());
        Assert.Equal(qos == QualityOfService.AtMostOnce, result.PacketIdentifier == 0);

        var message = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
        Assert.Equal(topic, message.Topic);
        Assert.Equal("hello", message.PayloadAsString());
        Assert.Equal(qos, message.QoS);
        Assert.Equal(0, publisher.InflightMessageCount);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Many_messages_at_QoS_2_arrive_once_each_and_in_order_MQTT_4_6_0_2(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var subscriber = await ConnectAsync(Options(server, version));
        await using var publisher = await ConnectAsync(Options(server, version));
        string topic = Unique.Topic("order");
        await using var subscription = await subscriber.SubscribeAsync(topic, QualityOfService.ExactlyOnce).WaitAsync(Timeouts.Event);

        // 20: Mosquitto 2.0.11's max_inflight_messages. Past it, a burst of QoS 2 to a 3.1.1 subscriber stalls in
        // Mosquitto's queue (seen with 200: 41 delivered, the rest never sent, though every PUBCOMP came back).
        const int Count = 20;
        var publishes = Enumerable.Range(0, Count).Select(i => publisher.PublishAsync(topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture), QualityOfService.ExactlyOnce)).ToList();
        await Task.WhenAll(publishes).WaitAsync(Timeouts.Event);
        var received = new List<string>();
        for (int i = 0; i < Count; i++)
        {
            received.Add((await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        }

        Assert.Equal(string.Join(' ', Enumerable.Range(0, Count)), string.Join(' ', received));
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task A_retained_message_reaches_a_later_subscriber_with_the_retain_flag_MQTT_3_3_1_6(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await ConnectAsync(Options(server, version));
        string topic = Unique.Topic("retained");
        await client.PublishAsync(topic, "kept", QualityOfService.AtLeastOnce, retain: true).WaitAsync(Timeouts.Event);

        await using var subscription = await client.SubscribeAsync(topic).WaitAsync(Timeouts.Event);
        var message = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
        Assert.True(message.Retain);
        Assert.Equal("kept", message.PayloadAsString());
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Wildcard_and_overlapping_subscriptions_each_see_a_matching_message_MQTT_4_7_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await ConnectAsync(Options(server, version));
        string root = Unique.Topic("w");
        await using var all = await client.SubscribeAsync(root + "/#").WaitAsync(Timeouts.Event);
        await using var one = await client.SubscribeAsync(root + "/+/temp").WaitAsync(Timeouts.Event);

        await client.PublishAsync(root + "/kitchen/temp", "20").WaitAsync(Timeouts.Event);
        await client.PublishAsync(root + "/kitchen/humidity", "40").WaitAsync(Timeouts.Event);

        // A broker may send one copy per matching subscription (Mosquitto does, 3.1.1 §3.3.5) or one in all; each
        // local subscription sees every copy that matches it.
        Assert.Equal(root + "/kitchen/temp", (await one.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).Topic);
        var seen = new List<string>();
        while (!seen.Contains(root + "/kitchen/humidity"))
        {
            seen.Add((await all.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).Topic);
        }

        Assert.Equal(root + "/kitchen/temp", seen[0]);
        Assert.All(seen[..^1], topic => Assert.Equal(root + "/kitchen/temp", topic));
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Unsubscribing_ends_the_stream_and_stops_delivery_MQTT_3_10_4_1(string broker, ProtocolVersion version)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await ConnectAsync(Options(server, version));
        string topic = Unique.Topic("unsub");
        var subscription = await client.SubscribeAsync(topic).WaitAsync(Timeouts.Event);
        var result = await client.UnsubscribeAsync(topic).WaitAsync(Timeouts.Event);
        Assert.Equal([ReasonCode.Success], result.ReasonCodes);

        Assert.False(await subscription.Reader.WaitToReadAsync().AsTask().WaitAsync(Timeouts.Event));

        // A marker on another subscription proves the broker had time to deliver the first message, had it wanted to.
        await using var marker = await client.SubscribeAsync(topic + "/marker").WaitAsync(Timeouts.Event);
        await client.PublishAsync(topic, "unwanted", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await client.PublishAsync(topic + "/marker", "m", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await marker.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Message_properties_travel_end_to_end_in_5_0_MQTT_3_3_2_3(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await ConnectAsync(Options(server, ProtocolVersion.V500));
        string topic = Unique.Topic("props");
        await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);

        var sent = new MqttMessage(topic, "{\"t\":21}")
        {
            QoS = QualityOfService.AtLeastOnce,
            ContentType = "application/json",
            PayloadIsUtf8 = true,
            MessageExpiryInterval = 3600,
            ResponseTopic = topic + "/reply",
            CorrelationData = new byte[] { 1, 2, 3 },
            UserProperties = [new MqttUserProperty("a", "1"), new MqttUserProperty("a", "2")],
        };
        await client.PublishAsync(sent).WaitAsync(Timeouts.Event);
        var received = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);

        Assert.Equal("application/json", received.ContentType);
        Assert.True(received.PayloadIsUtf8);
        Assert.NotNull(received.MessageExpiryInterval);
        Assert.InRange(received.MessageExpiryInterval!.Value, 3590u, 3600u);
        Assert.Equal(topic + "/reply", received.ResponseTopic);
        Assert.Equal(new byte[] { 1, 2, 3 }, received.CorrelationData!.Value.ToArray());
        Assert.Equal(sent.UserProperties, received.UserProperties);
    }

    [Fact]
    public async Task An_invalid_topic_name_is_refused_before_anything_is_sent_MQTT_3_3_2_2()
    {
        await using var client = new MqttClient(Options(1883));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync("a/+/b", "x"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.PublishAsync(string.Empty, "x"));
        Assert.Equal(0, client.QueuedMessageCount);
    }
}
