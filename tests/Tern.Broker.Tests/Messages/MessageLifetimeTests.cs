using Microsoft.Extensions.Time.Testing;
using Tern.Benchmarks.InProcess;
using Tern.Broker.Sessions;
using Tern.Protocol;

namespace Tern.Broker.Tests.Messages;

/// <summary>
/// Every way a pooled message leaves a session gives its reference back exactly once: nothing is read after it went
/// back to the pool (debug builds throw on such a read, failing the test), and once every client is gone the pool
/// holds all its messages and buffers again.
/// </summary>
public sealed class MessageLifetimeTests
{
    [Fact]
    public void Messages_in_flight_and_unwritten_are_released_when_a_clean_session_ends()
    {
        using var broker = new InProcessBroker();
        var subscriber = broker.Connect("life-end-sub", ProtocolVersion.V311);
        subscriber.Subscribe("life/end", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-end-pub", ProtocolVersion.V311);

        publisher.SendRaw(Packets.Publishes(10, "life/end", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(10, subscriber.Receive(acknowledge: false)); // in flight, never acknowledged
        publisher.SendRaw(Packets.Publishes(5, "life/end", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.True(broker.Pool.OutstandingMessages > 0);

        subscriber.Close(); // 5 still queued for the writer, 15 in flight
        publisher.Disconnect();

        AssertPoolBalanced(broker);
    }

    [Theory]
    [InlineData(QueueOverflowPolicy.DropOldest)]
    [InlineData(QueueOverflowPolicy.DropNewest)]
    public void Messages_dropped_by_a_full_queue_are_released(QueueOverflowPolicy policy)
    {
        using var broker = new InProcessBroker(o =>
        {
            o.MaxInflightMessages = 2;
            o.MaxQueuedMessages = 3;
            o.QueueOverflowPolicy = policy;
        });
        var subscriber = broker.Connect("life-drop-sub", ProtocolVersion.V311);
        subscriber.Subscribe("life/drop", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-drop-pub", ProtocolVersion.V311);

        publisher.SendRaw(Packets.Publishes(20, "life/drop", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(2, subscriber.Receive(acknowledge: false)); // 2 in flight, 3 queued, 15 dropped

        subscriber.SendRaw([0x40, 0x02, 0x00, 0x01, 0x40, 0x02, 0x00, 0x02]);
        Assert.Equal(3, DrainWithAcks(subscriber));

        publisher.Disconnect();
        subscriber.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Theory]
    [InlineData(QueueOverflowPolicy.DropOldest)]
    [InlineData(QueueOverflowPolicy.DropNewest)]
    public void Messages_dropped_by_the_queued_bytes_cap_are_released(QueueOverflowPolicy policy)
    {
        using var broker = new InProcessBroker(o =>
        {
            o.MaxInflightMessages = 1;
            o.MaxQueuedBytes = 100; // two messages of 41 bytes (9-byte topic, 32-byte payload)
            o.QueueOverflowPolicy = policy;
        });
        var subscriber = broker.Connect("life-bytes-sub", ProtocolVersion.V311);
        subscriber.Subscribe("life/byte", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-bytes-pub", ProtocolVersion.V311);

        publisher.SendRaw(Packets.Publishes(10, "life/byte", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(3, broker.Pool.OutstandingMessages); // 1 in flight, 2 queued, 7 dropped and released
        Assert.Equal(3, DrainWithAcks(subscriber));

        publisher.Disconnect();
        subscriber.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void Expired_queued_messages_are_released_when_the_window_opens()
    {
        var time = new FakeTimeProvider();
        using var broker = new InProcessBroker(o => o.MaxInflightMessages = 1, time);
        var subscriber = broker.Connect("life-exp-sub", ProtocolVersion.V500);
        subscriber.Subscribe("life/exp", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-exp-pub", ProtocolVersion.V500);

        publisher.SendRaw(Packets.Publishes(5, "life/exp", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V500, messageExpiry: 10));
        Assert.Equal(1, subscriber.Receive(acknowledge: false));
        time.Advance(TimeSpan.FromSeconds(11));

        // The PUBACK of the one in flight opens the window: the four queued have expired and leave without being sent
        // ([MQTT-3.3.2-5] in 5.0).
        subscriber.SendRaw([0x40, 0x02, 0x00, 0x01]);
        Assert.Equal(0, subscriber.Receive());
        Assert.Equal(0, broker.Pool.OutstandingMessages);

        publisher.Disconnect();
        subscriber.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void A_takeover_releases_what_the_displaced_connection_held()
    {
        using var broker = new InProcessBroker();
        var first = broker.Connect("life-take", ProtocolVersion.V500);
        first.Subscribe("life/take", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-take-pub", ProtocolVersion.V500);
        publisher.SendRaw(Packets.Publishes(8, "life/take", 100, QualityOfService.AtLeastOnce, ProtocolVersion.V500));

        // Same client id, clean start: the old session ends with 8 in flight and their PUBLISHes still unwritten.
        var second = broker.Connect("life-take", ProtocolVersion.V500);
        first.Close();

        publisher.SendRaw(Packets.Publishes(3, "life/take", 100, QualityOfService.AtLeastOnce, ProtocolVersion.V500));
        Assert.Equal(0, second.Receive()); // the new session has no subscription

        second.Disconnect();
        publisher.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void Unsubscribing_with_messages_in_flight_releases_them_at_their_acknowledgement()
    {
        using var broker = new InProcessBroker();
        var subscriber = broker.Connect("life-unsub-sub", ProtocolVersion.V311);
        subscriber.Subscribe("life/unsub", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-unsub-pub", ProtocolVersion.V311);
        publisher.SendRaw(Packets.Publishes(4, "life/unsub", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(4, subscriber.Receive(acknowledge: false));

        subscriber.Unsubscribe("life/unsub");
        Assert.Equal(4, broker.Pool.OutstandingMessages); // still in flight: the session completes them
        subscriber.SendRaw([0x40, 0x02, 0x00, 0x01, 0x40, 0x02, 0x00, 0x02, 0x40, 0x02, 0x00, 0x03, 0x40, 0x02, 0x00, 0x04]);
        Assert.Equal(0, broker.Pool.OutstandingMessages);

        publisher.SendRaw(Packets.Publishes(4, "life/unsub", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(0, subscriber.Receive());

        subscriber.Disconnect();
        publisher.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void A_departed_shared_subscriber_hands_its_messages_on_and_nothing_leaks()
    {
        using var broker = new InProcessBroker(o => o.MaxInflightMessages = 4);
        var leaving = broker.Connect("life-share-a", ProtocolVersion.V500);
        leaving.Subscribe("$share/g/life/share", QualityOfService.AtLeastOnce);
        var staying = broker.Connect("life-share-b", ProtocolVersion.V500);
        staying.Subscribe("$share/g/life/share", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-share-pub", ProtocolVersion.V500);

        publisher.SendRaw(Packets.Publishes(20, "life/share", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V500));
        leaving.Receive(acknowledge: false);
        leaving.Close(); // its queued and in-flight QoS 1 messages go to the other member (5.0 §4.8.2)

        Assert.Equal(20, DrainWithAcks(staying));

        staying.Disconnect();
        publisher.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void A_persistent_session_keeps_its_messages_until_they_are_delivered_after_reconnecting()
    {
        using var broker = new InProcessBroker();
        var subscriber = broker.Connect("life-persist", ProtocolVersion.V311, cleanSession: false);
        subscriber.Subscribe("life/persist", QualityOfService.AtLeastOnce);
        var publisher = broker.Connect("life-persist-pub", ProtocolVersion.V311);
        publisher.SendRaw(Packets.Publishes(3, "life/persist", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        subscriber.Receive(acknowledge: false);
        subscriber.Close();

        publisher.SendRaw(Packets.Publishes(3, "life/persist", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(6, broker.Pool.OutstandingMessages); // 3 in flight, 3 queued: the session holds them while offline

        var back = broker.Connect("life-persist", ProtocolVersion.V311, cleanSession: false, keepReceived: true);
        Assert.Equal(6, DrainWithAcks(back)); // 3 resent with DUP, then the 3 queued

        back.Disconnect();
        publisher.Disconnect();
        AssertPoolBalanced(broker);
    }

    [Fact]
    public void A_retained_message_is_pinned_and_still_served_after_its_publisher_left()
    {
        using var broker = new InProcessBroker();
        var publisher = broker.Connect("life-ret-pub", ProtocolVersion.V311);
        var retained = Packets.Publishes(1, "life/ret", 32, QualityOfService.AtLeastOnce, ProtocolVersion.V311);
        retained[0] |= 0x01; // RETAIN
        publisher.SendRaw(retained);
        publisher.Disconnect();
        Assert.Equal(1, broker.Pool.Pinned);

        var subscriber = broker.Connect("life-ret-sub", ProtocolVersion.V311);
        subscriber.SendRaw(Packets.Subscribe("life/ret", QualityOfService.AtLeastOnce, ProtocolVersion.V311));
        Assert.Equal(1, subscriber.Receive()); // after the SUBACK, with RETAIN set ([MQTT-3.3.1-8] in 3.1.1)
        Assert.Equal(32, subscriber.BytesReceived);

        subscriber.Disconnect();
        AssertPoolBalanced(broker);
    }

    // Receives and acknowledges until nothing more comes (each PUBACK opens the window for the next), at most 100 rounds.
    private static int DrainWithAcks(InProcessClient client)
    {
        int total = 0;
        for (int round = 0; round < 100; round++)
        {
            int received = client.Receive();
            if (received == 0)
            {
                break;
            }

            total += received;
        }

        return total;
    }

    private static void AssertPoolBalanced(InProcessBroker broker)
    {
        Assert.Equal(0, broker.Pool.OutstandingMessages);
        Assert.Equal(0, broker.Pool.OutstandingBuffers);
    }
}
