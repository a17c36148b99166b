using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

public class MessageExpiryTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static PropertyBuilder Expiry(uint seconds) => new PropertyBuilder().AddUInt32(PropertyId.MessageExpiryInterval, seconds);

    [Fact]
    public async Task A_queued_message_whose_expiry_passed_is_not_delivered_MQTT_3_3_2_5()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("mx-sub", V5, clean: false, sessionExpiry: 3600, keepAlive: 0)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "mx/t", QualityOfService.AtLeastOnce, V5));
            await subscriber.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        }

        await using (var publisher = await broker.ConnectAsync(Packets.Connect("mx-pub", V5, keepAlive: 0)))
        {
            await publisher.SendAsync(Packets.Publish("mx/t", "short-lived", QualityOfService.AtLeastOnce, 1, version: V5, properties: Expiry(10)));
            await publisher.SendAsync(Packets.Publish("mx/t", "long-lived", QualityOfService.AtLeastOnce, 2, version: V5, properties: Expiry(100)));
            await publisher.ReadPacketAsync(Timeouts.Default);
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        time.Advance(TimeSpan.FromSeconds(30));
        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("mx-sub", V5, clean: false, sessionExpiry: 3600, keepAlive: 0));
        await again.ReadPacketAsync(Timeouts.Default);

        var message = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal("long-lived", message.Payload);

        // The forwarded expiry is what is left: 100 s minus the 30 s it waited ([MQTT-3.3.2-6]).
        Assert.Equal(70u, message.MessageExpiry);
        await again.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task An_expired_retained_message_is_no_longer_served()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("mx-ret-pub", V5, keepAlive: 0));
        await publisher.SendAsync(Packets.Publish("mx/retained", "soon gone", retain: true, version: V5, properties: Expiry(5)));
        await publisher.ExpectAliveAsync();

        time.Advance(TimeSpan.FromSeconds(6));
        await using var late = await broker.ConnectAsync(Packets.Connect("mx-ret-sub", V5, keepAlive: 0));
        await late.SendAsync(Packets.Subscribe(1, "mx/retained", QualityOfService.AtMostOnce, V5));
        await late.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);

        await late.ExpectSilenceAsync(Timeouts.Quiet);
        Assert.Equal(0, broker.Broker.Engine.Retained.Count);
    }

    [Fact]
    public async Task A_message_forwarded_at_once_carries_its_full_expiry()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("mx-live-sub", V5));
        await subscriber.SendAsync(Packets.Subscribe(1, "mx/live", QualityOfService.AtMostOnce, V5));
        await subscriber.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("mx-live-pub", V5));

        await publisher.SendAsync(Packets.Publish("mx/live", "x", version: V5, properties: Expiry(3600)));

        var message = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        Assert.InRange(message.MessageExpiry!.Value, 3599u, 3600u);
    }
}
