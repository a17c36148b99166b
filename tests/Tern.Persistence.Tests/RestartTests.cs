using Tern.TestKit;

namespace Tern.Persistence.Tests;

/// <summary>Every item of durable state, stored by one broker and found by the next on the same data directory.</summary>
public sealed class RestartTests
{
    [Fact]
    public async Task A_persistent_session_is_present_after_a_restart_and_its_subscription_still_routes()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, connAck) = await Client.ConnectAsync(broker, "sub", clean: false);
            Assert.False(connAck.SessionPresent);
            await subscriber.SubscribeAsync("a/#", 1);
            await subscriber.DisconnectAsync();
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            // [MQTT-3.2.2-2]: Session Present 1 when the server has a session for a Clean Session 0 client.
            var (subscriber, connAck) = await Client.ConnectAsync(broker, "sub", clean: false);
            Assert.True(connAck.SessionPresent);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("a/b", "hello", 1);
            var message = await subscriber.ExpectAsync(3);
            Assert.Equal(("a/b", "hello", 1), (message.Topic, message.Payload, message.QoS));
        }
    }

    [Fact]
    public async Task Queued_messages_of_an_offline_session_are_delivered_in_order_after_a_restart()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("q", 2);
            await subscriber.DisconnectAsync();
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            for (int i = 0; i < 30; i++)
            {
                await publisher.PublishAsync("q", "m" + i, 1 + (i % 2), (ushort)(i + 1));
            }
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, connAck) = await Client.ConnectAsync(broker, "sub", clean: false);
            Assert.True(connAck.SessionPresent);
            var messages = await subscriber.ReceiveAsync(30);
            Assert.Equal(Enumerable.Range(0, 30).Select(i => "m" + i), messages.Select(m => m.Payload));
            Assert.Equal(Enumerable.Range(0, 30).Select(i => 1 + (i % 2)), messages.Select(m => m.QoS));
        }
    }

    [Fact]
    public async Task An_unacknowledged_QoS_1_message_is_resent_with_DUP_and_its_packet_identifier_after_a_restart()
    {
        using var data = new DataDirectory();
        ushort id;
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("t", "once", 1);
            var first = await subscriber.ExpectAsync(3);
            Assert.False(first.Duplicate);
            id = first.PacketId;
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            // [MQTT-4.4.0-1]: on reconnect with a session, unacknowledged PUBLISH packets are resent with their identifiers.
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var again = await subscriber.ExpectAsync(3);
            Assert.True(again.Duplicate);
            Assert.Equal((id, "once"), (again.PacketId, again.Payload));
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, id));
            await subscriber.RoundTripAsync();
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            // Acknowledged: gone for good.
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
        }
    }

    [Fact]
    public async Task An_outbound_QoS_2_message_resumes_with_PUBLISH_before_PUBREC_and_with_PUBREL_after_it()
    {
        using var data = new DataDirectory();
        ushort idBefore;
        ushort idAfter;
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 2);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("t", "received", 2, 1);
            await publisher.PublishAsync("t", "not-received", 2, 2);
            var received = await subscriber.ExpectAsync(3);
            var notReceived = await subscriber.ExpectAsync(3);
            idAfter = received.PacketId;
            idBefore = notReceived.PacketId;
            await subscriber.SendAsync(Wire.Ack(Wire.PubRec, idAfter));
            Assert.Equal(idAfter, (await subscriber.ExpectAsync(Wire.PubRel)).PacketId);
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            // [MQTT-4.4.0-1]: PUBREL for the message the client has acknowledged with PUBREC, PUBLISH (DUP) for the other.
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var first = await subscriber.ExpectAsync(Wire.PubRel);
            Assert.Equal(idAfter, first.PacketId);
            var second = await subscriber.ExpectAsync(3);
            Assert.True(second.Duplicate);
            Assert.Equal((idBefore, "not-received"), (second.PacketId, second.Payload));
        }
    }

    [Fact]
    public async Task An_inbound_QoS_2_message_awaiting_PUBREL_is_not_delivered_again_when_resent_after_a_restart()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("t", 1);
            await subscriber.DisconnectAsync();
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: false);
            await publisher.SendAsync(Wire.Publish("t", "exactly-once", 2, 7));
            await publisher.ExpectAsync(Wire.PubRec);
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            // [MQTT-4.3.3-2] with Method B: the resent PUBLISH of an identifier awaiting PUBREL is not delivered again.
            var (publisher, connAck) = await Client.ConnectAsync(broker, "pub", clean: false);
            Assert.True(connAck.SessionPresent);
            await publisher.SendAsync(Wire.Publish("t", "exactly-once", 2, 7, dup: true));
            await publisher.ExpectAsync(Wire.PubRec);
            await publisher.SendAsync(Wire.Ack(Wire.PubRel, 7));
            Assert.Equal(7, (await publisher.ExpectAsync(Wire.PubComp)).PacketId);

            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var message = await subscriber.ExpectAsync(3);
            Assert.Equal("exactly-once", message.Payload);
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, message.PacketId));
            await subscriber.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
        }
    }

    [Fact]
    public async Task Retained_messages_and_their_deletion_survive_a_restart()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("r/kept", "value", 1, 1, retain: true);
            await publisher.PublishAsync("r/deleted", "value", 1, 2, retain: true);
            await publisher.PublishAsync("r/deleted", string.Empty, 1, 3, retain: true);
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: true);
            await subscriber.SubscribeAsync("r/#", 1);
            var message = await subscriber.ExpectAsync(3);
            Assert.Equal(("r/kept", "value"), (message.Topic, message.Payload));
            Assert.Equal(1, message.Flags & 1);
            await subscriber.SendAsync(Wire.Ack(Wire.PubAck, message.PacketId));
            await subscriber.Connection.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
        }
    }

    [Fact]
    public async Task An_unsubscribe_survives_a_restart()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            await subscriber.SubscribeAsync("gone", 1);
            await subscriber.SubscribeAsync("kept", 1, 2);
            await subscriber.SendAsync(Wire.Unsubscribe(3, "gone"));
            await subscriber.ExpectAsync(11);
            await subscriber.DisconnectAsync();
        }

        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "sub", clean: false);
            var (publisher, _) = await Client.ConnectAsync(broker, "pub", clean: true);
            await publisher.PublishAsync("gone", "no", 1, 1);
            await publisher.PublishAsync("kept", "yes", 1, 2);
            Assert.Equal("yes", (await subscriber.ExpectAsync(3)).Payload);
        }
    }

    [Fact]
    public async Task A_clean_session_and_its_messages_never_reach_the_store()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (subscriber, _) = await Client.ConnectAsync(broker, "clean-sub", clean: true);
            await subscriber.SubscribeAsync("c", 1);
            var (publisher, _) = await Client.ConnectAsync(broker, "clean-pub", clean: true);
            await publisher.PublishAsync("c", "x", 1);
            await subscriber.ExpectAsync(3);
        }

        Assert.Equal(0, StoreFile.Count(data, "sessions"));
        Assert.Equal(0, StoreFile.Count(data, "subscriptions"));
        Assert.Equal(0, StoreFile.Count(data, "queue"));
    }

    [Fact]
    public async Task Ending_a_persistent_session_with_clean_start_removes_it_from_the_store()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (client, _) = await Client.ConnectAsync(broker, "c", clean: false);
            await client.SubscribeAsync("x", 1);
            await client.DisconnectAsync();
            var (again, connAck) = await Client.ConnectAsync(broker, "c", clean: true);
            Assert.False(connAck.SessionPresent);
            await again.DisconnectAsync();
        }

        Assert.Equal(0, StoreFile.Count(data, "sessions"));
        Assert.Equal(0, StoreFile.Count(data, "subscriptions"));
    }
}
