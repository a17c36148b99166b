using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Limits;

/// <summary>
/// RELIABILITY C3 (slow consumer): a subscriber that stops reading while a publisher floods. The connection's outbound
/// queue is bounded by MaxOutboundBytes (QoS 0 beyond it dropped and counted), and a writer stalled for
/// SlowConsumerTimeout closes the connection.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public class SlowConsumerTests
{
    private const int MessageSize = 1024;
    private const int Batch = 1000;

    [Fact]
    public async Task A_QoS_0_flood_to_a_subscriber_that_never_reads_stays_within_MaxOutboundBytes_and_the_drops_are_counted()
    {
        const long bound = 256 * 1024;
        await using var broker = await TestBroker.StartAsync(o => o.MaxOutboundBytes = bound);
        using var subscriber = await LimitSupport.ConnectNonReadingSubscriberAsync(broker, "slow-sub", "flood/t", QualityOfService.AtMostOnce);
        await using var bystander = await broker.ConnectAsync(Packets.Connect("slow-bystander"));
        await using var publisher = await broker.ConnectAsync(Packets.Connect("slow-pub"));
        var connection = broker.Channel("slow-sub").Connection;
        long before = LimitSupport.HeldMemory();

        // 40 MB of QoS 0 messages: far more than the socket buffers and the bound together.
        byte[] batch = Flood(Batch);
        for (int i = 0; i < 40; i++)
        {
            await publisher.SendAsync(batch);
            Assert.True(connection.OutboundBytes <= bound, $"outbound bytes {connection.OutboundBytes} above the bound {bound}");
        }

        await publisher.ExpectAliveAsync(Timeouts.Default); // every PUBLISH before the PINGREQ has been routed
        long growth = LimitSupport.HeldMemory() - before;

        Assert.True(connection.OutboundBytes <= bound, $"outbound bytes {connection.OutboundBytes} above the bound {bound}");
        Assert.True(growth < 24L * 1024 * 1024, $"the broker held {growth / 1024 / 1024} MB more after a 40 MB flood");
        long dropped = broker.Broker.Engine.Metrics.LimitHits(LimitNames.OutboundBytes);
        Assert.True(dropped > 30_000, $"only {dropped} of 40,000 messages dropped for the slow subscriber");
        Assert.Equal(dropped, broker.Broker.Engine.Metrics.MessagesDropped);
        Assert.Equal(1, broker.Count(5006));
        await bystander.ExpectAliveAsync();
    }

    [Fact]
    public async Task QoS_1_messages_to_a_subscriber_that_never_reads_stop_at_the_in_flight_window_and_queue_in_the_session_RELIABILITY_C5()
    {
        await using var broker = await TestBroker.StartAsync(o => (o.MaxInflightMessages, o.MaxQueuedMessages) = (5, 100));
        using var subscriber = await LimitSupport.ConnectNonReadingSubscriberAsync(broker, "slow-q1", "flood/t", QualityOfService.AtLeastOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("slow-q1-pub"));

        await publisher.SendAsync(Flood(200, QualityOfService.AtLeastOnce));
        for (int i = 0; i < 200; i++)
        {
            await publisher.ReadPacketAsync(Timeouts.Default); // every PUBACK arrives: publishers are not held up
        }

        var session = broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "slow-q1");
        Assert.Equal((5, 100), (session.InflightCount, session.QueuedCount));
        Assert.True(broker.Channel("slow-q1").Connection.OutboundBytes <= 5 * 1100, "more than the window went to the connection");
        Assert.Equal(95, broker.Broker.Engine.Metrics.MessagesDropped); // 200 - 5 in flight - 100 queued
    }

    [Fact]
    public async Task A_subscriber_whose_writer_is_stalled_for_SlowConsumerTimeout_is_disconnected_and_logged()
    {
        var time = new FakeTimeProvider();
        const long bound = 8L * 1024 * 1024;
        await using var broker = await TestBroker.StartAsync(o => (o.SlowConsumerTimeout, o.MaxOutboundBytes) = (TimeSpan.FromSeconds(60), bound), time);
        using var subscriber = await LimitSupport.ConnectNonReadingSubscriberAsync(broker, "stalled", "flood/t", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("stalled-pub", keepAlive: 0));
        var connection = broker.Channel("stalled").Connection;

        // Flood until the kernel's buffers are full and half the bound waits behind them: a stall that lasts.
        byte[] batch = Flood(Batch);
        for (int i = 0; i < 60 && !(connection.IsWriteStalled && connection.OutboundBytes > bound / 2); i++)
        {
            await publisher.SendAsync(batch);
            await publisher.ExpectAliveAsync(Timeouts.Default);
        }

        Assert.True(connection.IsWriteStalled && connection.OutboundBytes > bound / 2, $"60 MB did not stall the writer (outbound {connection.OutboundBytes} bytes)");
        time.Advance(TimeSpan.FromSeconds(59));
        await publisher.ExpectAliveAsync();
        Assert.Contains(broker.Broker.Engine.Channels, c => c.ClientId == "stalled");

        // The kernel may still take a few bytes late (send-buffer autotuning), which is progress and restarts the
        // clock; so advance a whole timeout at a time until the close, a bounded number of times.
        bool Closed() => broker.Broker.Engine.Channels.All(c => c.ClientId != "stalled");
        time.Advance(TimeSpan.FromSeconds(1));
        for (int i = 0; i < 5 && !Closed(); i++)
        {
            try
            {
                await LimitSupport.WaitUntilAsync(Closed, "the stalled subscriber to be closed", TimeSpan.FromSeconds(2));
            }
            catch (ExpectationFailedException)
            {
                time.Advance(TimeSpan.FromSeconds(60));
            }
        }

        Assert.True(Closed(), "the stalled subscriber was never closed");
        Assert.Equal(1, broker.Count(5007));
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.SlowConsumer));
        await publisher.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_slow_reader_that_keeps_taking_bytes_is_not_disconnected()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.SlowConsumerTimeout = TimeSpan.FromSeconds(60), time);
        using var subscriber = await LimitSupport.ConnectNonReadingSubscriberAsync(broker, "catching-up", "flood/t", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("catching-up-pub", keepAlive: 0));
        var connection = broker.Channel("catching-up").Connection;
        byte[] batch = Flood(Batch);
        for (int i = 0; i < 40 && !connection.IsWriteStalled; i++)
        {
            await publisher.SendAsync(batch);
            await publisher.ExpectAliveAsync(Timeouts.Default);
        }

        time.Advance(TimeSpan.FromSeconds(50));

        // The client reads everything: the writer's flush completes, and the stall clock starts over.
        await DrainAsync(subscriber, () => !connection.IsWriteStalled && connection.OutboundBytes == 0);
        time.Advance(TimeSpan.FromSeconds(50));
        await publisher.ExpectAliveAsync();

        Assert.Contains(broker.Broker.Engine.Channels, c => c.ClientId == "catching-up");
        Assert.Equal(0, broker.Count(5007));
    }

    private static byte[] Flood(int count, QualityOfService qos = QualityOfService.AtMostOnce)
    {
        var all = new List<byte>();
        string payload = new('m', MessageSize - 11);
        for (int i = 0; i < count; i++)
        {
            all.AddRange(Packets.Publish("flood/t", payload, qos, qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)(i + 1)));
        }

        return [.. all];
    }

    private static async Task DrainAsync(Socket socket, Func<bool> done)
    {
        var buffer = new byte[64 * 1024];
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (!done())
        {
            Assert.True(DateTime.UtcNow < deadline, "the broker's writer never caught up");
            if (socket.Available > 0)
            {
                await socket.ReceiveAsync(buffer, SocketFlags.None);
            }
            else
            {
                await Task.Delay(5);
            }
        }
    }
}
