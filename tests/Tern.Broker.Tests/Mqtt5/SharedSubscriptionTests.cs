using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Mqtt5;

public class SharedSubscriptionTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static async Task<Tern.TestKit.RawMqttConnection> MemberAsync(Tern.TestKit.TernBroker broker, string id, string share, bool persistent = false)
    {
        var member = await broker.ConnectAsync(Packets.Connect(id, V5, clean: !persistent, sessionExpiry: persistent ? 3600u : null, keepAlive: 0));
        await member.SendAsync(Packets.Subscribe(1, share, QualityOfService.AtLeastOnce, V5));
        await member.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        return member;
    }

    private static async Task<List<string>> DrainAsync(Tern.TestKit.RawMqttConnection member)
    {
        var payloads = new List<string>();
        try
        {
            while (true)
            {
                var message = Received.AsPublish(await member.ReadPacketAsync(Timeouts.Quiet), V5);
                payloads.Add(message.Payload);
                await member.SendAsync(Packets.Ack(PacketType.PubAck, message.PacketId));
            }
        }
        catch (Tern.TestKit.ExpectationFailedException)
        {
            return payloads;
        }
    }

    [Fact]
    public async Task Each_message_goes_to_one_member_in_turn_5_0_section_4_8_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var a = await MemberAsync(broker, "share-a", "$share/g/sh/t");
        await using var b = await MemberAsync(broker, "share-b", "$share/g/sh/t");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("share-pub", V5));

        for (ushort i = 1; i <= 10; i++)
        {
            await publisher.SendAsync(Packets.Publish("sh/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        var toA = await DrainAsync(a);
        var toB = await DrainAsync(b);
        Assert.Equal(5, toA.Count);
        Assert.Equal(5, toB.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"m{i}").Order(), toA.Concat(toB).Order());
    }

    [Fact]
    public async Task A_member_that_went_offline_is_passed_over_instead_of_queuing_its_share()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var online = await MemberAsync(broker, "share-on", "$share/g2/sh2/t");
        await using (var offline = await MemberAsync(broker, "share-off", "$share/g2/sh2/t", persistent: true))
        {
            await offline.SendAsync(Packets.Disconnect);
            await offline.ExpectClosedAsync(Timeouts.Default);
        }

        await using var publisher = await broker.ConnectAsync(Packets.Connect("share2-pub", V5));
        for (ushort i = 1; i <= 6; i++)
        {
            await publisher.SendAsync(Packets.Publish("sh2/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        Assert.Equal(6, (await DrainAsync(online)).Count);
        Assert.Equal(0, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "share-off").QueuedCount);
    }

    [Fact]
    public async Task Qos1_messages_in_flight_to_a_member_that_leaves_are_redelivered_to_the_others()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxInflightMessages = 100);
        var leaving = await MemberAsync(broker, "share-leave", "$share/g3/sh3/t");
        await using var staying = await MemberAsync(broker, "share-stay", "$share/g3/sh3/t");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("share3-pub", V5));
        for (ushort i = 1; i <= 6; i++)
        {
            await publisher.SendAsync(Packets.Publish("sh3/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        // The leaving member got its share but acknowledges nothing, then vanishes.
        var unacknowledged = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            unacknowledged.Add(Received.AsPublish(await leaving.ReadPacketAsync(Timeouts.Default), V5).Payload);
        }

        leaving.Abort();
        await leaving.DisposeAsync();

        var received = await DrainAsync(staying);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"m{i}").Order(), received.Order());
    }

    [Theory]
    [InlineData(SharedSubscriptionStrategy.HashTopic)]
    [InlineData(SharedSubscriptionStrategy.HashClientId)]
    [InlineData(SharedSubscriptionStrategy.Sticky)]
    public async Task Keyed_and_sticky_strategies_send_one_stream_to_one_member(SharedSubscriptionStrategy strategy)
    {
        await using var broker = await TestBroker.StartAsync(o => o.SharedSubscriptionStrategy = strategy);
        await using var a = await MemberAsync(broker, "key-a", "$share/k/key/t");
        await using var b = await MemberAsync(broker, "key-b", "$share/k/key/t");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("key-pub", V5));

        for (ushort i = 1; i <= 6; i++)
        {
            await publisher.SendAsync(Packets.Publish("key/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        var counts = new[] { (await DrainAsync(a)).Count, (await DrainAsync(b)).Count }.Order().ToArray();
        Assert.Equal([0, 6], counts);
    }

    [Fact]
    public async Task The_random_strategy_delivers_every_message_exactly_once_across_the_group()
    {
        await using var broker = await TestBroker.StartAsync(o => o.SharedSubscriptionStrategy = SharedSubscriptionStrategy.Random);
        await using var a = await MemberAsync(broker, "rnd-a", "$share/r/rnd/t");
        await using var b = await MemberAsync(broker, "rnd-b", "$share/r/rnd/t");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("rnd-pub", V5));

        for (ushort i = 1; i <= 10; i++)
        {
            await publisher.SendAsync(Packets.Publish("rnd/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        var all = (await DrainAsync(a)).Concat(await DrainAsync(b)).Order();
        Assert.Equal(Enumerable.Range(1, 10).Select(i => $"m{i}").Order(), all);
    }

    [Fact]
    public async Task No_local_on_a_shared_subscription_is_a_protocol_error_MQTT_3_8_3_4()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("share-nolocal", V5));

        // SUBSCRIBE id 1, no properties, "$share/g/x" with options 04: QoS 0 and the No Local bit.
        await client.SendAsync("82 10 00 01 00 00 0A '$share/g/x' 04");

        await Expect.DisconnectAsync(client, ReasonCode.ProtocolError);
        Assert.Contains("MQTT-3.8.3-4", broker.Log, StringComparison.Ordinal);
    }
}
