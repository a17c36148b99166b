using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class SubscribeTests
{
    [Fact]
    public async Task Wildcards_match_as_the_specification_says_and_leading_wildcards_skip_dollar_topics_MQTT_4_7_2_1()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var all = await broker.ConnectAsync(Packets.Connect("wild-all"));
        await all.SendAsync(Packets.Subscribe(1, "#", QualityOfService.AtMostOnce));
        await all.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var plus = await broker.ConnectAsync(Packets.Connect("wild-plus"));
        await plus.SendAsync(Packets.Subscribe(1, "sport/+/score", QualityOfService.AtMostOnce));
        await plus.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("wild-pub"));

        await publisher.SendAsync(Packets.Publish("$internal/x", "hidden"));
        await publisher.SendAsync(Packets.Publish("sport/tennis/score", "15-0"));

        Assert.Equal("sport/tennis/score", Received.AsPublish(await all.ReadPacketAsync(Timeouts.Default)).Topic);
        Assert.Equal("sport/tennis/score", Received.AsPublish(await plus.ReadPacketAsync(Timeouts.Default)).Topic);
        await all.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task An_invalid_filter_fails_alone_with_0x80_in_311()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("bad-filter"));

        // Two filters: "a/#/b" (invalid: '#' not last) and "ok" at QoS 1.
        await client.SendAsync("82 0F 00 05 00 05 'a/#/b' 00 00 02 'ok' 01");

        await client.ExpectAsync("90 04 00 05 80 01", Timeouts.Default);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task An_invalid_filter_fails_alone_with_0x8F_in_50()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("bad-filter-5", ProtocolVersion.V500));

        await client.SendAsync("82 09 00 05 00 00 03 'a+b' 00");

        await client.ExpectAsync("90 04 00 05 00 8F", Timeouts.Default);
    }

    [Fact]
    public async Task Overlapping_subscriptions_deliver_one_copy_at_the_highest_granted_qos_MQTT_3_3_5_1()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("overlap"));
        await client.SendAsync(Packets.Subscribe(1, "ov/#", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "ov/+", QualityOfService.AtLeastOnce));
        await client.ExpectAsync("90 03 00 02 01", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("overlap-pub"));

        await publisher.SendAsync(Packets.Publish("ov/x", "x", QualityOfService.AtLeastOnce, 1));

        Assert.Equal(QualityOfService.AtLeastOnce, Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default)).QoS);
        await client.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task A_subscription_to_the_same_filter_replaces_the_old_one_MQTT_3_8_4_3()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("replace"));
        await client.SendAsync(Packets.Subscribe(1, "rep/t", QualityOfService.AtLeastOnce));
        await client.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "rep/t", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 02 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("replace-pub"));

        await publisher.SendAsync(Packets.Publish("rep/t", "x", QualityOfService.AtLeastOnce, 1));

        Assert.Equal(QualityOfService.AtMostOnce, Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default)).QoS);
        await client.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task Unsubscribe_stops_delivery_and_is_acknowledged()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("unsub"));
        await client.SendAsync(Packets.Subscribe(1, "unsub/t", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 01 00", Timeouts.Default);

        await client.SendAsync(Packets.Unsubscribe(2, "unsub/t"));
        await client.ExpectAsync("B0 02 00 02", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("unsub-pub"));
        await publisher.SendAsync(Packets.Publish("unsub/t", "x"));

        await client.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task Retained_messages_are_sent_on_subscribe_with_retain_set_and_deleted_by_an_empty_payload()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await broker.ConnectAsync(Packets.Connect("ret-pub"));
        await publisher.SendAsync(Packets.Publish("ret/a", "first", retain: true));
        await publisher.SendAsync(Packets.Publish("ret/a", "second", retain: true));
        await publisher.SendAsync(Packets.Publish("ret/b", "b", QualityOfService.AtLeastOnce, 1, retain: true));
        await publisher.ExpectAsync("40 02 00 01", Timeouts.Default);

        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("ret-sub")))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "ret/+", QualityOfService.AtLeastOnce));
            await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            var received = new[] { Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default)), Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default)) };
            Assert.Equal(["ret/a=second", "ret/b=b"], received.Select(r => $"{r.Topic}={r.Payload}").Order());
            Assert.All(received, r => Assert.True(r.Retain));
        }

        await publisher.SendAsync(Packets.Publish("ret/a", "", retain: true));
        await publisher.ExpectAliveAsync();
        await using var late = await broker.ConnectAsync(Packets.Connect("ret-late"));
        await late.SendAsync(Packets.Subscribe(1, "ret/a", QualityOfService.AtMostOnce));
        await late.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await late.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task Live_forwarding_clears_the_retain_flag_in_311_MQTT_3_3_1_9()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("live-ret"));
        await subscriber.SendAsync(Packets.Subscribe(1, "live/t", QualityOfService.AtMostOnce));
        await subscriber.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("live-ret-pub"));

        await publisher.SendAsync(Packets.Publish("live/t", "x", retain: true));

        Assert.False(Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default)).Retain);
    }
}
