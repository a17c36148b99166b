using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class PublishTests
{
    private static async Task<Tern.TestKit.RawMqttConnection> SubscriberAsync(Tern.TestKit.TernBroker broker, string id, string filter, QualityOfService qos)
    {
        var subscriber = await broker.ConnectAsync(Packets.Connect(id));
        await subscriber.SendAsync(Packets.Subscribe(1, filter, qos));
        await subscriber.ExpectAsync($"90 03 00 01 {(byte)qos:X2}", Timeouts.Default);
        return subscriber;
    }

    [Fact]
    public async Task Qos0_is_forwarded_without_acknowledgement()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "q0-sub", "q0/t", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("q0-pub"));

        await publisher.SendAsync(Packets.Publish("q0/t", "hello"));

        await subscriber.ExpectAsync("30 0B 00 04 'q0/t' 'hello'", Timeouts.Default);
        await publisher.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task Qos1_is_acknowledged_with_puback_and_delivered_at_qos1()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "q1-sub", "q1/t", QualityOfService.AtLeastOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("q1-pub"));

        await publisher.SendAsync(Packets.Publish("q1/t", "hello", QualityOfService.AtLeastOnce, 0x1234));

        await publisher.ExpectAsync("40 02 12 34", Timeouts.Default);
        var message = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
        Assert.Equal((QualityOfService.AtLeastOnce, "hello"), (message.QoS, message.Payload));
        Assert.NotEqual(0, message.PacketId);
    }

    [Fact]
    public async Task Qos_is_downgraded_to_the_granted_qos_MQTT_3_8_4_6()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "down-sub", "down/t", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("down-pub"));

        await publisher.SendAsync(Packets.Publish("down/t", "x", QualityOfService.ExactlyOnce, 5));

        await publisher.ExpectAsync("50 02 00 05", Timeouts.Default);
        await subscriber.ExpectAsync("30 09 00 06 'down/t' 'x'", Timeouts.Default);
    }

    [Fact]
    public async Task Inbound_qos2_is_delivered_exactly_once_even_when_the_publish_is_repeated_before_pubrel_MQTT_4_3_3_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "q2-sub", "q2/t", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("q2-pub"));

        await publisher.SendAsync(Packets.Publish("q2/t", "once", QualityOfService.ExactlyOnce, 7));
        await publisher.ExpectAsync("50 02 00 07", Timeouts.Default);
        await publisher.SendAsync(Packets.Publish("q2/t", "once", QualityOfService.ExactlyOnce, 7, duplicate: true));
        await publisher.ExpectAsync("50 02 00 07", Timeouts.Default);
        await publisher.SendAsync(Packets.Ack(PacketType.PubRel, 7));
        await publisher.ExpectAsync("70 02 00 07", Timeouts.Default);

        await subscriber.ExpectAsync("30 0A 00 04 'q2/t' 'once'", Timeouts.Default);
        await subscriber.ExpectSilenceAsync(Timeouts.Quiet);

        // After PUBCOMP the packet identifier is free: a new message with id 7 is a new message.
        await publisher.SendAsync(Packets.Publish("q2/t", "again", QualityOfService.ExactlyOnce, 7));
        await publisher.ExpectAsync("50 02 00 07", Timeouts.Default);
        await subscriber.ExpectAsync("30 0B 00 04 'q2/t' 'again'", Timeouts.Default);
    }

    [Fact]
    public async Task Outbound_qos2_runs_the_whole_exchange_publish_pubrec_pubrel_pubcomp()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "q2o-sub", "q2o/t", QualityOfService.ExactlyOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("q2o-pub"));

        await publisher.SendAsync(Packets.Publish("q2o/t", "x", QualityOfService.ExactlyOnce, 1));
        var message = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(QualityOfService.ExactlyOnce, message.QoS);
        await subscriber.SendAsync(Packets.Ack(PacketType.PubRec, message.PacketId));

        await subscriber.ExpectAsync($"62 02 {message.PacketId >> 8:X2} {message.PacketId & 0xFF:X2}", Timeouts.Default);
        await subscriber.SendAsync(Packets.Ack(PacketType.PubComp, message.PacketId));
        await subscriber.ExpectAliveAsync();
        Assert.Equal(0, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "q2o-sub").InflightCount);
    }

    [Fact]
    public async Task After_pubrec_a_reconnecting_subscriber_gets_pubrel_not_the_publish_again_MQTT_4_4_0_1()
    {
        await using var broker = await TestBroker.StartAsync();
        ushort id;
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("rel", clean: false)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "rel/t", QualityOfService.ExactlyOnce));
            await subscriber.ExpectAsync("90 03 00 01 02", Timeouts.Default);
            await using var publisher = await broker.ConnectAsync(Packets.Connect("rel-pub"));
            await publisher.SendAsync(Packets.Publish("rel/t", "x", QualityOfService.ExactlyOnce, 1));
            id = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default)).PacketId;
            await subscriber.SendAsync(Packets.Ack(PacketType.PubRec, id));
            await subscriber.ExpectAsync($"62 02 {id >> 8:X2} {id & 0xFF:X2}", Timeouts.Default);
            subscriber.Abort();
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("rel", clean: false));
        await again.ExpectAsync("20 02 01 00", Timeouts.Default);
        await again.ExpectAsync($"62 02 {id >> 8:X2} {id & 0xFF:X2}", Timeouts.Default);
    }

    [Fact]
    public async Task Messages_from_one_publisher_arrive_in_the_order_sent()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await SubscriberAsync(broker, "order-sub", "order/t", QualityOfService.AtLeastOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("order-pub"));

        for (ushort i = 1; i <= 50; i++)
        {
            await publisher.SendAsync(Packets.Publish("order/t", i.ToString(System.Globalization.CultureInfo.InvariantCulture), QualityOfService.AtLeastOnce, i));
        }

        for (int i = 1; i <= 50; i++)
        {
            var message = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), message.Payload);
            await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, message.PacketId));
        }
    }

    [Fact]
    public async Task A_50_qos1_publish_that_reaches_nobody_is_acknowledged_with_0x10()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await broker.ConnectAsync(Packets.Connect("nobody", ProtocolVersion.V500));

        await publisher.SendAsync(Packets.Publish("nobody/listens", "x", QualityOfService.AtLeastOnce, 3, version: ProtocolVersion.V500));

        await publisher.ExpectAsync("40 03 00 03 10", Timeouts.Default);
    }
}
