using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

public class FlowControlTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    [Fact]
    public async Task The_broker_never_has_more_unacknowledged_messages_out_than_the_clients_receive_maximum_MQTT_3_3_4_9()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("rm-sub", V5, receiveMaximum: 2));
        await subscriber.SendAsync(Packets.Subscribe(1, "rm/t", QualityOfService.AtLeastOnce, V5));
        await subscriber.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("rm-pub", V5));
        for (ushort i = 1; i <= 3; i++)
        {
            await publisher.SendAsync(Packets.Publish("rm/t", $"m{i}", QualityOfService.AtLeastOnce, i, version: V5));
            await publisher.ReadPacketAsync(Timeouts.Default);
        }

        var first = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5);
        await subscriber.ExpectSilenceAsync(Timeouts.Quiet);

        await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, first.PacketId));
        Assert.Equal("m3", Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default), V5).Payload);
    }

    [Fact]
    public async Task A_client_exceeding_the_brokers_receive_maximum_gets_0x93()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxAwaitingRelease = 2);
        await using var client = await broker.ConnectAsync(Packets.Connect("rm-flood", V5));

        for (ushort i = 1; i <= 3; i++)
        {
            await client.SendAsync(Packets.Publish("rm/flood", "x", QualityOfService.ExactlyOnce, i, version: V5));
        }

        await client.ReadPacketAsync(Timeouts.Default); // PUBREC 1
        await client.ReadPacketAsync(Timeouts.Default); // PUBREC 2
        await Expect.DisconnectAsync(client, ReasonCode.ReceiveMaximumExceeded);
    }

    [Fact]
    public async Task A_message_larger_than_the_clients_maximum_packet_size_is_not_sent_to_it_but_to_others_MQTT_3_1_2_25()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var small = await broker.ConnectAsync(Packets.Connect("mps-small", V5, properties: new PropertyBuilder().AddUInt32(PropertyId.MaximumPacketSize, 64)));
        await small.SendAsync(Packets.Subscribe(1, "mps/t", QualityOfService.AtLeastOnce, V5));
        await small.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        await using var large = await broker.ConnectAsync(Packets.Connect("mps-large", V5));
        await large.SendAsync(Packets.Subscribe(1, "mps/t", QualityOfService.AtLeastOnce, V5));
        await large.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("mps-pub", V5));

        await publisher.SendAsync(Packets.Publish("mps/t", new string('x', 200), QualityOfService.AtLeastOnce, 1, version: V5));
        await publisher.SendAsync(Packets.Publish("mps/t", "small", QualityOfService.AtLeastOnce, 2, version: V5));

        Assert.Equal(200, Received.AsPublish(await large.ReadPacketAsync(Timeouts.Default), V5).Payload.Length);
        Assert.Equal("small", Received.AsPublish(await small.ReadPacketAsync(Timeouts.Default), V5).Payload);
        Assert.Contains("[2004]", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payload_that_is_not_the_utf8_it_claims_is_refused_with_0x99_in_puback()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("pfi", V5));

        // QoS 1 PUBLISH to "a", id 9, properties: Payload Format Indicator 1; payload FF FE is not UTF-8.
        await client.SendAsync("32 0A 00 01 'a' 00 09 02 01 01 FF FE");

        await client.ExpectAsync("40 03 00 09 99", Timeouts.Default);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task Request_and_response_properties_reach_the_responder_unchanged()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var responder = await broker.ConnectAsync(Packets.Connect("rr-responder", V5));
        await responder.SendAsync(Packets.Subscribe(1, "rr/request", QualityOfService.AtMostOnce, V5));
        await responder.ExpectAsync("90 04 00 01 00 00", Timeouts.Default);
        await using var requester = await broker.ConnectAsync(Packets.Connect("rr-requester", V5));
        var properties = new PropertyBuilder()
            .AddString(PropertyId.ResponseTopic, "rr/reply/1")
            .AddBytes(PropertyId.CorrelationData, [1, 2, 3])
            .AddString(PropertyId.ContentType, "application/json")
            .AddUserProperty("k", "v");

        await requester.SendAsync(Packets.Publish("rr/request", "{}", version: V5, properties: properties));

        var frame = await responder.ReadPacketAsync(Timeouts.Default);
        var header = new Tern.Protocol.Framing.FixedHeader(frame[0], frame.Length - 2, 2);
        Assert.True(Tern.Protocol.Packets.PublishPacket.TryDecode(header, frame.AsSpan(2), V5, out var publish, out _));
        Assert.Equal("rr/reply/1", publish.Properties.GetStringOrNull(PropertyId.ResponseTopic));
        Assert.True(publish.Properties.TryGetBytes(PropertyId.CorrelationData, out var correlation));
        Assert.Equal([1, 2, 3], correlation.ToArray());
        Assert.Equal("application/json", publish.Properties.GetStringOrNull(PropertyId.ContentType));
        Assert.Equal(1, publish.Properties.Count(PropertyId.UserProperty));
    }
}
