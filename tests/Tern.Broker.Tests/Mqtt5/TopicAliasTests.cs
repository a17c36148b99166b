using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

public class TopicAliasTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task An_alias_set_with_a_topic_stands_for_it_in_later_publishes_5_0_section_3_3_2_3_4()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("alias-sub", V5));
        await subscriber.SendAsync(Packets.Subscribe(1, "alias/long/topic", QualityOfService.AtMostOnce, V5));
        await subscriber.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("alias-pub", V5));
        var alias = new PropertyBuilder().AddUInt16(PropertyId.TopicAlias, 3);

        await publisher.SendAsync(Packets.Publish("alias/long/topic", "first", version: V5, properties: alias));
        await publisher.SendAsync(Packets.Publish("", "second", version: V5, properties: alias));

        var first = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        var second = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal(("alias/long/topic", "first"), (first.Topic, first.Payload));
        Assert.Equal(("alias/long/topic", "second"), (second.Topic, second.Payload));

        // The alias belonged to the publisher's connection; it is not forwarded.
        Assert.Equal(0, second.TopicAlias);
    }

    [Fact]
    public async Task With_topic_aliases_off_any_alias_is_invalid()
    {
        await using var broker = await TestBroker.StartAsync(o => o.TopicAliasMaximum = 0);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("alias-off", V5));

        await publisher.SendAsync(Packets.Publish("a", "x", version: V5, properties: new PropertyBuilder().AddUInt16(PropertyId.TopicAlias, 1)));

        await Expect.DisconnectAsync(publisher, ReasonCode.TopicAliasInvalid);
    }
}

public class OutboundTopicAliasTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task With_outbound_aliases_on_the_second_message_on_a_topic_carries_only_the_alias_MQTT_3_3_2_11()
    {
        await using var broker = await TestBroker.StartAsync(o => o.OutboundTopicAliases = true);
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("oa-sub", V5, properties: new PropertyBuilder().AddUInt16(PropertyId.TopicAliasMaximum, 1)));
        await subscriber.SendAsync(Packets.Subscribe(1, "oa/#", QualityOfService.AtMostOnce, V5));
        await subscriber.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("oa-pub", V5));

        await publisher.SendAsync(Packets.Publish("oa/long/topic/name", "1", version: V5));
        await publisher.SendAsync(Packets.Publish("oa/long/topic/name", "2", version: V5));
        await publisher.SendAsync(Packets.Publish("oa/other", "3", version: V5));

        var first = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        var second = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        var third = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        Assert.Equal(("oa/long/topic/name", (ushort)1), (first.Topic, first.TopicAlias));
        Assert.Equal(("", (ushort)1, "2"), (second.Topic, second.TopicAlias, second.Payload));

        // The client allows one alias: a second topic goes out by name, without an alias.
        Assert.Equal(("oa/other", (ushort)0), (third.Topic, third.TopicAlias));
    }
}
