using System.IO.Pipelines;
using Tern.Broker.Connections;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Connections;

/// <summary>
/// Corking (MqttConnection.Cork.cs): packets a read batch routes to an idle connection are written on the batch's
/// thread and flushed once when the batch ends, in order, while other producers' packets queue behind them; past
/// <see cref="MqttConnection.MaxCorked"/> connections a batch flushes per packet as before. End to end, a publisher's
/// batch reaches every subscriber complete and in order ([MQTT-4.6.0-6]: a non-shared subscription receives the
/// PUBLISHes of one topic in the order they were received).
/// </summary>
public sealed class CorkingTests
{
    [Fact]
    public async Task Packets_for_an_idle_connection_in_a_batch_are_flushed_together_when_the_batch_ends()
    {
        await using var broker = await TestBroker.StartAsync();
        var (connection, client) = Open(broker);

        MqttConnection.BeginCorking();
        try
        {
            for (ushort id = 1; id <= 10; id++)
            {
                connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, id));
            }

            // Written into the pipe, not flushed: the reader sees nothing yet.
            Assert.False(client.Input.TryRead(out _));
        }
        finally
        {
            MqttConnection.UncorkAll();
        }

        Assert.True(client.Input.TryRead(out var result), "the batch's end flushed nothing");
        Assert.Equal(Enumerable.Range(1, 10), Acknowledgements(result.Buffer).Select(a => (int)a.PacketId));
        client.Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(0, connection.OutboundBytes);
        Assert.False(connection.HoldsQueueStorage);

        // The role was given back: a packet outside a batch is written and flushed at once.
        connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, 11));
        Assert.True(client.Input.TryRead(out result));
        Assert.Equal([11], Acknowledgements(result.Buffer).Select(a => (int)a.PacketId));
        client.Input.AdvanceTo(result.Buffer.End);
        connection.RequestClose();
    }

    [Fact]
    public async Task Another_threads_packets_queue_behind_the_corked_ones_and_each_producer_keeps_its_order()
    {
        await using var broker = await TestBroker.StartAsync();
        var (connection, client) = Open(broker);

        MqttConnection.BeginCorking();
        try
        {
            for (ushort id = 1; id <= 5; id++)
            {
                connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, id));
            }

            // Another thread finds the writer role taken by this batch: its packets go to the ring. (No await inside
            // a batch: corking belongs to the thread, as ProcessFrames is synchronous.)
            var other = new Thread(() =>
            {
                for (ushort id = 1; id <= 5; id++)
                {
                    connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRec, id));
                }
            });
            other.Start();
            Assert.True(other.Join(Timeouts.Default));
            Assert.Equal(5, connection.Backlog);

            // Behind the queued ones now, so still in the order of Enqueue.
            for (ushort id = 6; id <= 10; id++)
            {
                connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, id));
            }

            Assert.False(client.Input.TryRead(out _));
        }
        finally
        {
            MqttConnection.UncorkAll();
        }

        Assert.True(client.Input.TryRead(out var result));
        var received = Acknowledgements(result.Buffer);
        client.Input.AdvanceTo(result.Buffer.End);
        Assert.Equal(15, received.Count);
        Assert.Equal(Enumerable.Range(1, 10), received.Where(a => a.Type == PacketType.PubAck).Select(a => (int)a.PacketId));
        Assert.Equal(Enumerable.Range(1, 5), received.Where(a => a.Type == PacketType.PubRec).Select(a => (int)a.PacketId));
        Assert.Equal(0, connection.Backlog);
        connection.RequestClose();
    }

    [Fact]
    public async Task A_batch_holds_at_most_MaxCorked_connections_and_flushes_the_rest_per_packet()
    {
        await using var broker = await TestBroker.StartAsync();
        var opened = Enumerable.Range(0, MqttConnection.MaxCorked + 1).Select(_ => Open(broker)).ToArray();

        MqttConnection.BeginCorking();
        try
        {
            foreach (var (connection, _) in opened)
            {
                connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, 1));
            }

            for (int i = 0; i < MqttConnection.MaxCorked; i++)
            {
                Assert.False(opened[i].Client.Input.TryRead(out _), $"connection {i} was flushed inside the batch");
            }

            // The one past the bound was written and flushed at once.
            Assert.True(opened[^1].Client.Input.TryRead(out var early));
            opened[^1].Client.Input.AdvanceTo(early.Buffer.End);
        }
        finally
        {
            MqttConnection.UncorkAll();
        }

        for (int i = 0; i < MqttConnection.MaxCorked; i++)
        {
            Assert.True(opened[i].Client.Input.TryRead(out var result), $"connection {i} was never flushed");
            Assert.Single(Acknowledgements(result.Buffer));
            opened[i].Client.Input.AdvanceTo(result.Buffer.End);
        }

        foreach (var (connection, _) in opened)
        {
            connection.RequestClose();
        }
    }

    [Theory]
    [InlineData(QualityOfService.AtMostOnce)]
    [InlineData(QualityOfService.AtLeastOnce)]
    public async Task A_publishers_batch_reaches_every_subscriber_complete_and_in_order(QualityOfService qos)
    {
        await using var broker = await TestBroker.StartAsync();
        var subscribers = new List<RawMqttConnection>();
        for (int s = 0; s < 3; s++)
        {
            var subscriber = await broker.ConnectAsync(Packets.Connect("sub" + s), "sub" + s);
            await subscriber.SendAsync(Packets.Subscribe(1, "cork/t", QualityOfService.AtLeastOnce));
            await subscriber.ReadPacketAsync(Timeouts.Default); // SUBACK
            subscribers.Add(subscriber);
        }

        await using var publisher = await broker.ConnectAsync(Packets.Connect("pub"), "pub");

        // Twenty PUBLISHes in one write: the broker reads them as one batch.
        const int Count = 20;
        var batch = Enumerable.Range(1, Count)
            .SelectMany(i => Packets.Publish("cork/t", "m" + i, qos, packetId: qos == QualityOfService.AtMostOnce ? (ushort)0 : (ushort)i))
            .ToArray();
        await publisher.SendAsync(batch);

        foreach (var subscriber in subscribers)
        {
            for (int i = 1; i <= Count; i++)
            {
                var publish = Received.AsPublish(await subscriber.ReadPacketAsync(Timeouts.Default));
                Assert.Equal("m" + i, publish.Payload);
                if (qos == QualityOfService.AtLeastOnce)
                {
                    await subscriber.SendAsync(Packets.Ack(PacketType.PubAck, publish.PacketId));
                }
            }

            await subscriber.DisposeAsync();
        }

        if (qos == QualityOfService.AtLeastOnce)
        {
            for (int i = 1; i <= Count; i++)
            {
                await publisher.ExpectAsync(Convert.ToHexString(Packets.Ack(PacketType.PubAck, (ushort)i)), Timeouts.Default);
            }
        }
    }

    private static (MqttConnection Connection, IDuplexPipe Client) Open(TernBroker broker) =>
        OutboundQueueTests.Open(broker, new PipeOptions(useSynchronizationContext: false));

    /// <summary>The 4-byte acknowledgements in <paramref name="buffer"/>.</summary>
    private static List<(PacketType Type, ushort PacketId)> Acknowledgements(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        var bytes = System.Buffers.BuffersExtensions.ToArray(buffer);
        Assert.Equal(0, bytes.Length % 4);
        var received = new List<(PacketType, ushort)>();
        for (int i = 0; i < bytes.Length; i += 4)
        {
            Assert.Equal(2, bytes[i + 1]);
            received.Add(((PacketType)(bytes[i] >> 4), (ushort)((bytes[i + 2] << 8) | bytes[i + 3])));
        }

        return received;
    }
}
