using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class SessionTests
{
    [Fact]
    public async Task Clean_session_0_is_resumed_with_session_present_and_the_queued_message_is_delivered()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectRawAsync())
        {
            await first.SendAsync(Packets.Connect("persist", clean: false));
            await first.ExpectAsync("20 02 00 00", Timeouts.Default);
            await first.SendAsync(Packets.Subscribe(1, "persist/t", QualityOfService.AtLeastOnce));
            await first.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await using (var publisher = await broker.ConnectAsync(Packets.Connect("persist-pub")))
        {
            await publisher.SendAsync(Packets.Publish("persist/t", "while you were away", QualityOfService.AtLeastOnce, 9));
            await publisher.ExpectAsync("40 02 00 09", Timeouts.Default);
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("persist", clean: false));

        await again.ExpectAsync("20 02 01 00", Timeouts.Default); // session present [MQTT-3.2.2-2]
        var message = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(("persist/t", "while you were away", QualityOfService.AtLeastOnce), (message.Topic, message.Payload, message.QoS));
    }

    [Fact]
    public async Task A_resumed_MQTT_3_1_session_gets_a_CONNACK_without_the_session_present_flag_which_3_1_does_not_have()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectRawAsync())
        {
            await first.SendAsync(Packets.Connect("persist-31", ProtocolVersion.V310, clean: false));
            await first.ExpectAsync("20 02 00 00", Timeouts.Default);
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("persist-31", ProtocolVersion.V310, clean: false));

        // 3.1 §3.2: the first byte of CONNACK's variable header is reserved (0); the same session resumed by a 3.1.1
        // client says 01 ([MQTT-3.2.2-2]).
        await again.ExpectAsync("20 02 00 00", Timeouts.Default);
        Assert.Single(broker.Broker.Engine.Sessions.GetAll(), s => s.ClientId == "persist-31");
    }

    [Fact]
    public async Task Clean_session_1_never_says_session_present_and_discards_the_old_session_MQTT_3_1_2_6()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectRawAsync())
        {
            await first.SendAsync(Packets.Connect("cleaner", clean: false));
            await first.ExpectAsync("20 02 00 00", Timeouts.Default);
            await first.SendAsync(Packets.Subscribe(1, "cleaner/t", QualityOfService.AtLeastOnce));
            await first.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("cleaner", clean: true));
        await again.ExpectAsync("20 02 00 00", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("cleaner-pub"));
        await publisher.SendAsync(Packets.Publish("cleaner/t", "nobody", QualityOfService.AtLeastOnce, 1));
        await publisher.ExpectAsync("40 02 00 01", Timeouts.Default);

        await again.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task An_unacknowledged_qos1_message_is_resent_with_dup_and_the_same_packet_id_on_resume_MQTT_4_4_0_1()
    {
        await using var broker = await TestBroker.StartAsync();
        ushort firstId;
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("resend", clean: false)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "resend/t", QualityOfService.AtLeastOnce));
            await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await using var publisher = await broker.ConnectAsync(Packets.Connect("resend-pub"));
            await publisher.SendAsync(Packets.Publish("resend/t", "one", QualityOfService.AtLeastOnce, 1));
            await publisher.SendAsync(Packets.Publish("resend/t", "two", QualityOfService.AtLeastOnce, 2));
            var one = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
            Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
            firstId = one.PacketId;
            Assert.False(one.Duplicate);

            // Gone without acknowledging either.
            subscriber.Abort();
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("resend", clean: false));
        await again.ExpectAsync("20 02 01 00", Timeouts.Default);
        var first = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default));
        var second = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default));

        Assert.Equal(("one", true, firstId), (first.Payload, first.Duplicate, first.PacketId));
        Assert.Equal(("two", true), (second.Payload, second.Duplicate));
    }

    [Fact]
    public async Task A_50_session_without_session_expiry_ends_with_its_connection_even_with_clean_start_0()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectRawAsync())
        {
            await first.SendAsync(Packets.Connect("expiry-0", ProtocolVersion.V500, clean: false));
            await first.ReadPacketAsync(Timeouts.Default);
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("expiry-0", ProtocolVersion.V500, clean: false));
        var connack = await again.ReadPacketAsync(Timeouts.Default);

        Assert.Equal(0x00, connack[2]); // session present 0
    }

    [Fact]
    public async Task A_50_session_with_session_expiry_is_resumed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectRawAsync())
        {
            await first.SendAsync(Packets.Connect("expiry-60", ProtocolVersion.V500, clean: false, sessionExpiry: 60));
            await first.ReadPacketAsync(Timeouts.Default);
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("expiry-60", ProtocolVersion.V500, clean: false, sessionExpiry: 60));
        var connack = await again.ReadPacketAsync(Timeouts.Default);

        Assert.Equal(0x01, connack[2]);
    }

    [Fact]
    public async Task The_queue_of_an_offline_session_is_bounded_and_the_newest_messages_are_dropped_by_default()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxQueuedMessages = 3);
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("bounded", clean: false)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "bounded/t", QualityOfService.AtLeastOnce));
            await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        }

        await using (var publisher = await broker.ConnectAsync(Packets.Connect("bounded-pub")))
        {
            for (ushort i = 1; i <= 5; i++)
            {
                await publisher.SendAsync(Packets.Publish("bounded/t", $"m{i}", QualityOfService.AtLeastOnce, i));
                await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
            }
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("bounded", clean: false));
        await again.ExpectAsync("20 02 01 00", Timeouts.Default);
        var payloads = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            var message = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default));
            payloads.Add(message.Payload);
            await again.SendAsync(Packets.Ack(PacketType.PubAck, message.PacketId));
        }

        Assert.Equal(["m1", "m2", "m3"], payloads);
        await again.ExpectSilenceAsync(Timeouts.Quiet);
        Assert.Contains("[2000]", broker.Log, StringComparison.Ordinal);
        Assert.Equal(2, broker.Broker.Engine.Metrics.MessagesDropped);
    }

    [Fact]
    public async Task With_drop_oldest_the_newest_messages_survive_a_full_queue()
    {
        await using var broker = await TestBroker.StartAsync(o =>
        {
            o.MaxQueuedMessages = 2;
            o.QueueOverflowPolicy = QueueOverflowPolicy.DropOldest;
        });
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("oldest", clean: false)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "oldest/t", QualityOfService.AtLeastOnce));
            await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        }

        await using (var publisher = await broker.ConnectAsync(Packets.Connect("oldest-pub")))
        {
            for (ushort i = 1; i <= 4; i++)
            {
                await publisher.SendAsync(Packets.Publish("oldest/t", $"m{i}", QualityOfService.AtLeastOnce, i));
                await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
            }
        }

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("oldest", clean: false));
        await again.ExpectAsync("20 02 01 00", Timeouts.Default);

        Assert.Equal("m3", Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default)).Payload);
        Assert.Equal("m4", Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default)).Payload);
    }

    [Fact]
    public async Task The_inflight_window_holds_back_messages_until_acknowledgements_arrive()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxInflightMessages = 2);
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("window"));
        await subscriber.SendAsync(Packets.Subscribe(1, "window/t", QualityOfService.AtLeastOnce));
        await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("window-pub"));
        for (ushort i = 1; i <= 3; i++)
        {
            await publisher.SendAsync(Packets.Publish("window/t", $"m{i}", QualityOfService.AtLeastOnce, i));
            await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
        }

        var m1 = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
        Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
        await subscriber.ExpectSilenceAsync(Timeouts.Quiet);

        await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, m1.PacketId));

        Assert.Equal("m3", Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default)).Payload);
    }
}
