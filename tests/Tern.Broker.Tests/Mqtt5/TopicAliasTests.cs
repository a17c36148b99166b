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
