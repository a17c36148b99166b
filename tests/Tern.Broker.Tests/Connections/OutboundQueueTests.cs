using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Tern.Broker.Connections;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Connections;

/// <summary>
/// The connection's outbound queue and its writer role, driven directly over in-memory pipes: order under concurrent
/// producers, no lost wake-up, close after flush, a producer racing the close, the high-water pause of the read loop,
/// and an idle connection that holds no queue storage.
/// </summary>
public sealed class OutboundQueueTests
{
    // Each producer thread sends acknowledgements of its own type, numbered 1..n: the type tells the producers apart on
    // the wire and the packet identifier gives each one's order ([MQTT-4.6.0-2]: acknowledgements in order).
    private static readonly PacketType[] ProducerTypes = [PacketType.PubAck, PacketType.PubRec, PacketType.PubRel, PacketType.PubComp];

    [Fact]
    public async Task Four_producer_threads_of_25000_packets_each_all_arrive_in_per_producer_order_and_close_comes_last()
    {
        await using var broker = await TestBroker.StartAsync();
        var (connection, client) = Open(broker, new PipeOptions(pauseWriterThreshold: 4096, resumeWriterThreshold: 2048, useSynchronizationContext: false));
        const int PerProducer = 25_000;

        // Read while they write: the small pipe makes flushes wait, so the ring, the pending-flush path and the
        // hand-over between producers and the writer are all exercised.
        var reading = Task.Run(() => ReadAcknowledgementsAsync(client.Input));
        using var start = new Barrier(ProducerTypes.Length);
        var producers = ProducerTypes.Select(type => Task.Factory.StartNew(
            () =>
            {
                start.SignalAndWait(Timeouts.Default);
                for (int i = 1; i <= PerProducer; i++)
                {
                    connection.Enqueue(OutboundPacket.ForAcknowledgement(type, (ushort)i));
                }
            },
            CancellationToken.None,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default)).ToArray();
        await Task.WhenAll(producers).WaitAsync(Timeouts.Default);
        connection.RequestClose();

        var received = await reading.WaitAsync(Timeouts.Default);
        Assert.Equal(ProducerTypes.Length * PerProducer, received.Count);
        foreach (var type in ProducerTypes)
        {
            var ids = received.Where(a => a.Type == type).Select(a => (int)a.PacketId).ToArray();
            Assert.Equal(Enumerable.Range(1, PerProducer), ids);
        }

        Assert.Equal(0, connection.Backlog);
        Assert.Equal(0, connection.OutboundBytes);
    }

    [Fact]
    public async Task RequestClose_flushes_what_was_queued_then_completes_the_output_and_ignores_later_packets()
    {
        await using var broker = await TestBroker.StartAsync();

        // A pipe that takes only a few bytes before the flush waits: most packets sit in the ring when close is asked.
        var (connection, client) = Open(broker, new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8, useSynchronizationContext: false));
        for (int i = 1; i <= 100; i++)
        {
            connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, (ushort)i));
        }

        Assert.True(connection.Backlog > 0, "the flush should be waiting and the rest queued");
        connection.RequestClose();
        connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, 101));
        connection.RequestClose();

        var received = await ReadAcknowledgementsAsync(client.Input).WaitAsync(Timeouts.Default);
        Assert.Equal(Enumerable.Range(1, 100), received.Select(a => (int)a.PacketId));
    }

    [Fact]
    public async Task A_producer_racing_the_close_leaves_an_in_order_prefix_and_a_completed_output_every_time()
    {
        await using var broker = await TestBroker.StartAsync();
        for (int round = 0; round < 200; round++)
        {
            var (connection, client) = Open(broker, new PipeOptions(pauseWriterThreshold: 256, resumeWriterThreshold: 128, useSynchronizationContext: false));
            var reading = Task.Run(() => ReadAcknowledgementsAsync(client.Input));
            using var start = new Barrier(2);
            var producer = Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait(Timeouts.Default);
                    for (int i = 1; i <= 2000; i++)
                    {
                        connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubAck, (ushort)i));
                    }
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            var closer = Task.Factory.StartNew(
                () =>
                {
                    start.SignalAndWait(Timeouts.Default);
                    connection.RequestClose();
                },
                CancellationToken.None,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            await Task.WhenAll(producer, closer).WaitAsync(Timeouts.Default);

            // The output completes (the reader sees the end) and what arrived is 1..k with nothing missing or swapped.
            var received = await reading.WaitAsync(Timeouts.Default);
            Assert.Equal(Enumerable.Range(1, received.Count), received.Select(a => (int)a.PacketId));
        }
    }

    [Fact]
    public async Task A_client_that_sends_without_reading_pauses_the_read_loop_at_the_high_water_mark_and_loses_nothing_when_it_reads_again()
    {
        await using var broker = await TestBroker.StartAsync();
        var small = new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false);
        var (connection, client) = Open(broker, small, inbound: small);
        var running = Task.Run(connection.RunAsync);

        await client.Output.WriteAsync(Packets.Connect("hw-" + Guid.NewGuid().ToString("N")[..8], keepAlive: 0));
        const int Pings = 20_000;
        byte[] chunk = new byte[200]; // 100 PINGREQs
        for (int i = 0; i < chunk.Length; i += 2)
        {
            (chunk[i], chunk[i + 1]) = (0xC0, 0x00);
        }

        // Nobody reads the PINGRESPs: the writer's flush waits and the backlog grows past the high-water mark.
        int sent = 0;
        while (sent < Pings && connection.Backlog <= 4096)
        {
            await client.Output.WriteAsync(chunk).AsTask().WaitAsync(Timeouts.Default);
            sent += chunk.Length / 2;
        }

        Assert.True(connection.Backlog > 4096, "the backlog never passed the high-water mark");

        // Past it the broker stops reading: within a bounded number of chunks the client's writes stop completing.
        Task<FlushResult> flush = Task.FromResult(default(FlushResult));
        for (int i = 0; i < 50 && sent < Pings; i++)
        {
            flush = client.Output.WriteAsync(chunk).AsTask();
            sent += chunk.Length / 2;
            if (!await CompletesWithinAsync(flush, Timeouts.Quiet))
            {
                break;
            }
        }

        Assert.False(flush.IsCompleted, "the broker kept reading with a backlog past the high-water mark");
        Assert.InRange(connection.Backlog, 4097, 4096 + 700);
        Assert.True(connection.HoldsStallState, "a stalled flush and a paused read loop need the stall state");

        // Reading again drains the backlog, the broker resumes, and every PINGREQ gets its PINGRESP in the end.
        var reading = Task.Run(() => CountPingResponsesAsync(client.Input, 1 + Pings));
        await flush.WaitAsync(Timeouts.Default);
        for (; sent < Pings; sent += chunk.Length / 2)
        {
            await client.Output.WriteAsync(chunk).AsTask().WaitAsync(Timeouts.Default);
        }

        Assert.Equal(Pings, await reading.WaitAsync(Timeouts.Default));
        await client.Output.CompleteAsync();
        await running.WaitAsync(Timeouts.Default);
    }

    private static async Task<bool> CompletesWithinAsync(Task task, TimeSpan quiet)
    {
        try
        {
            await task.WaitAsync(quiet);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    [Fact]
    public async Task An_idle_connection_after_its_CONNACK_holds_no_queue_storage_and_no_writer()
    {
        await using var broker = await TestBroker.StartAsync();
        var (connection, client) = Open(broker, new PipeOptions(useSynchronizationContext: false));
        var running = Task.Run(connection.RunAsync);
        await client.Output.WriteAsync(Packets.Connect("idle-" + Guid.NewGuid().ToString("N")[..8], keepAlive: 0));

        var result = await client.Input.ReadAsync().AsTask().WaitAsync(Timeouts.Default);
        Assert.Equal(0x20, result.Buffer.FirstSpan[0]);
        client.Input.AdvanceTo(result.Buffer.End);

        // The CONNACK was written by the read loop itself, straight into the pipe: no ring was ever allocated.
        Assert.False(connection.HoldsQueueStorage);
        Assert.Equal(0, connection.Backlog);

        // Nothing ever waited: no flush continuation, no drain or finish wait (about 90 B less per idle connection).
        Assert.False(connection.HoldsStallState);

        await client.Output.CompleteAsync();
        await running.WaitAsync(Timeouts.Default);
    }

    internal static (MqttConnection Connection, IDuplexPipe Client) Open(TernBroker broker, PipeOptions outbound, PipeOptions? inbound = null)
    {
        var toClient = new Pipe(outbound);
        var toBroker = new Pipe(inbound ?? new PipeOptions(useSynchronizationContext: false));
        var transport = new DuplexPipe(toBroker.Reader, toClient.Writer);
        var application = new DuplexPipe(toClient.Reader, toBroker.Writer);
        var context = new DefaultConnectionContext("queue-" + Guid.NewGuid().ToString("N")[..8], transport, application);
        return (new MqttConnection(context, broker.Broker.Engine), application);
    }

    /// <summary>Reads 4-byte acknowledgements until the broker completes the pipe.</summary>
    private static async Task<List<(PacketType Type, ushort PacketId)>> ReadAcknowledgementsAsync(PipeReader input)
    {
        var received = new List<(PacketType, ushort)>();
        byte[] frame = new byte[4];
        while (true)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (buffer.Length >= 4)
            {
                buffer.Slice(0, 4).CopyTo(frame);
                Assert.Equal(2, frame[1]);
                received.Add(((PacketType)(frame[0] >> 4), (ushort)((frame[2] << 8) | frame[3])));
                buffer = buffer.Slice(4);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted)
            {
                Assert.True(buffer.IsEmpty, "a packet was cut short");
                return received;
            }
        }
    }

    /// <summary>Reads a CONNACK and PINGRESPs until <paramref name="atLeast"/> packets were seen; returns the PINGRESP count.</summary>
    private static async Task<long> CountPingResponsesAsync(PipeReader input, int atLeast)
    {
        long packets = 0;
        long pings = 0;
        while (packets < atLeast)
        {
            var result = await input.ReadAsync();
            var buffer = result.Buffer;
            while (packets < atLeast && buffer.Length >= 2)
            {
                byte first = buffer.FirstSpan[0];
                int length = first == 0x20 ? 4 : 2;
                if (buffer.Length < length)
                {
                    break;
                }

                pings += first == 0xD0 ? 1 : 0;
                packets++;
                buffer = buffer.Slice(length);
            }

            input.AdvanceTo(buffer.Start, buffer.End);
            Assert.False(result.IsCompleted && packets < atLeast, "the broker closed before answering every PINGREQ");
        }

        return pings;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
