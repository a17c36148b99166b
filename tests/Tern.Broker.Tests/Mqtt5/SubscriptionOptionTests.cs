using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Tests.Mqtt5;

public class SubscriptionOptionTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task No_local_keeps_a_clients_own_messages_from_it_MQTT_3_8_3_3()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("nolocal", V5));
        await client.SendAsync(Packets.Subscribe(1, "nl/t", new SubscriptionOptions(QualityOfService.AtMostOnce, NoLocal: true)));
        await client.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var other = await broker.ConnectAsync(Packets.Connect("nolocal-other", V5));

        await client.SendAsync(Packets.Publish("nl/t", "mine", version: V5));
        await other.SendAsync(Packets.Publish("nl/t", "theirs", version: V5));

        Assert.Equal("theirs", Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default), V5).Payload);
        await client.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task Retain_as_published_keeps_the_retain_flag_on_live_messages_MQTT_3_3_1_12()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var plain = await broker.ConnectAsync(Packets.Connect("rap-plain", V5));
        await plain.SendAsync(Packets.Subscribe(1, "rap/t", new SubscriptionOptions(QualityOfService.AtMostOnce)));
        await plain.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var rap = await broker.ConnectAsync(Packets.Connect("rap-on", V5));
        await rap.SendAsync(Packets.Subscribe(1, "rap/t", new SubscriptionOptions(QualityOfService.AtMostOnce, RetainAsPublished: true)));
        await rap.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("rap-pub", V5));

        await publisher.SendAsync(Packets.Publish("rap/t", "x", retain: true, version: V5));

        Assert.False(Received.AsPublish(await plain.ReadPacketAsync(Timeouts.Default), V5).Retain);
        Assert.True(Received.AsPublish(await rap.ReadPacketAsync(Timeouts.Default), V5).Retain);
    }

    [Theory]
    [InlineData(RetainHandling.SendAtSubscribe, true, true)]
    [InlineData(RetainHandling.SendAtSubscribeIfNew, true, false)]
    [InlineData(RetainHandling.DoNotSend, false, false)]
    public async Task Retain_handling_decides_whether_retained_messages_come_with_the_subscription_MQTT_3_8_4_4(RetainHandling handling, bool onFirst, bool onRepeat)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await broker.ConnectAsync(Packets.Connect("rh-pub", V5));
        await publisher.SendAsync(Packets.Publish("rh/t", "kept", retain: true, version: V5));
        await publisher.ExpectAliveAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("rh-sub", V5));
        var options = new SubscriptionOptions(QualityOfService.AtMostOnce, RetainHandling: handling);

        foreach (var expected in new[] { onFirst, onRepeat })
        {
            await client.SendAsync(Packets.Subscribe(1, "rh/t", options));
            await client.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
            if (expected)
            {
                Assert.Equal("kept", Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default), V5).Payload);
            }
            else
            {
                await client.ExpectSilenceAsync(Timeouts.Quiet);
            }
        }
    }

    [Fact]
    public async Task Every_matching_subscription_identifier_is_delivered_with_the_message_MQTT_3_3_4_3()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("subid", V5));
        await client.SendAsync(Packets.Subscribe(1, "sid/+", new SubscriptionOptions(QualityOfService.AtMostOnce), subscriptionIdentifier: 7));
        await client.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "sid/#", new SubscriptionOptions(QualityOfService.AtMostOnce), subscriptionIdentifier: 300));
        await client.ExpectAsync("90 04 00 02 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("subid-pub", V5));

        await publisher.SendAsync(Packets.Publish("sid/x", "x", version: V5));

        var message = Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal([7, 300], message.SubscriptionIdentifiers.Order().ToArray());
        await client.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task A_subscription_identifier_comes_with_retained_messages_too()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var publisher = await broker.ConnectAsync(Packets.Connect("subid-ret-pub", V5));
        await publisher.SendAsync(Packets.Publish("sidr/t", "kept", retain: true, version: V5));
        await publisher.ExpectAliveAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("subid-ret", V5));

        await client.SendAsync(Packets.Subscribe(1, "sidr/t", new SubscriptionOptions(QualityOfService.AtMostOnce), subscriptionIdentifier: 42));
        await client.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);

        var message = Received.AsPublish(await client.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal(new[] { 42 }, message.SubscriptionIdentifiers);
    }
}
