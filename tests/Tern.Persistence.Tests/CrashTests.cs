using System.Globalization;
using System.Threading.Channels;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Persistence.Tests;

/// <summary>
/// The promise of ack durability under SIGKILL: <c>tern broker</c> runs as a child process and is killed at seeded
/// random moments while a publisher sends numbered messages to a persistent subscriber. Both clients keep their MQTT
/// state across the kills as a real client would (in-flight messages resent with DUP, PUBREL after PUBREC, received
/// QoS 2 identifiers remembered until PUBREL). At the end every message whose PUBACK / PUBCOMP the publisher received
/// has reached the subscriber (QoS 2: exactly once), and the subscriber received nothing that was not published.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Kills = 20;
    private const int Window = 10;

    [Theory]
    [InlineData(1, 20261128)]

    // QoS 2 lost 1 acknowledged message in 10,000-20,000 (seeds 20261132, 20261133) until one packet's writes were
    // committed together: an inbound identifier awaiting PUBREL was stored without the message it carried, so the
    // publisher's resend after the kill was answered PUBREC and not routed. WriteGroupTests pins that down without kills.
    [InlineData(2, 20261129)]
    public async Task Every_acknowledged_message_survives_SIGKILL_of_the_broker(int qos, int seed)
    {
        using var data = new DataDirectory();
        var random = new Random(seed);
        var state = new CrashState(qos);
        var started = DateTime.UtcNow;

        // The subscription is stored once its SUBACK arrived; the broker may die right after.
        var (setup, setupPort) = await BrokerProcess.StartAsync("--data-dir", data.Path);
        await using (setup)
        {
            await using var subscriber = await RawMqttConnection.ConnectAsync("127.0.0.1", setupPort, "sub");
            await subscriber.SendAsync(Wire.Connect("sub", clean: false));
            Assert.Equal(2, Wire.Parse(await subscriber.ReadPacketAsync(Client.Timeout)).Type);
            await subscriber.SendAsync(Wire.Subscribe(1, "crash/#", qos));
            Assert.Equal(9, Wire.Parse(await subscriber.ReadPacketAsync(Client.Timeout)).Type);
            setup.Kill();
        }

        for (int kill = 0; kill <= Kills; kill++)
        {
            bool last = kill == Kills;
            var (broker, port) = await BrokerProcess.StartAsync("--data-dir", data.Path);
            await using (broker)
            {
                await using var subscriber = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "sub");
                await using var publisher = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "pub");
                var subscribing = state.SubscribeAsync(subscriber);
                var publishing = state.PublishAsync(publisher, sendNew: !last);
                if (last)
                {
                    await state.WaitForDrainAsync(TimeSpan.FromSeconds(30));
                }
                else
                {
                    await Task.Delay(random.Next(50, 600));
                }

                broker.Kill();
                subscriber.Abort();
                publisher.Abort();
                await Task.WhenAll(subscribing, publishing);
            }
        }

        output.WriteLine($"QoS {qos}, seed {seed}: {Kills} kills in {(DateTime.UtcNow - started).TotalSeconds:F1} s, {state.Published} published, {state.Acknowledged.Count} acknowledged, {state.Received.Count} received");
        Assert.True(state.Acknowledged.Count > Kills, $"too little traffic to prove anything: {state.Acknowledged.Count} acknowledged");
        var missing = state.Acknowledged.Where(n => !state.Received.Contains(n)).Order().ToList();
        Assert.True(missing.Count == 0, $"acknowledged but never delivered (seed {seed}): {string.Join(", ", missing.Take(20))}");
        Assert.All(state.Received, n => Assert.InRange(n, 0, state.Published - 1));
        if (qos == 2)
        {
            var duplicates = state.ReceivedInOrder.GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0, $"QoS 2 delivered more than once (seed {seed}): {string.Join(", ", duplicates.Take(20))}");
        }
    }

    /// <summary>Both clients' MQTT state, kept across connections as a persistent client keeps it.</summary>
    private sealed class CrashState(int qos)
    {
        private readonly object _gate = new();
        private readonly Dictionary<ushort, (int Number, bool Released)> _inflight = [];
        private readonly HashSet<ushort> _awaitingRelease = [];
        private readonly Channel<bool> _progress = Channel.CreateUnbounded<bool>();

        public int Published { get; private set; }

        public HashSet<int> Acknowledged { get; } = [];

        public HashSet<int> Received { get; } = [];

        public List<int> ReceivedInOrder { get; } = [];

        public async Task SubscribeAsync(RawMqttConnection connection)
        {
            try
            {
                await connection.SendAsync(Wire.Connect("sub", clean: false));
                while (true)
                {
                    var packet = Wire.Parse(await connection.ReadPacketAsync(TimeSpan.FromSeconds(30)));
                    switch (packet.Type)
                    {
                        case 3:
                            // Method B of [MQTT-4.3.3-2] seen from the receiver: a QoS 2 identifier awaiting PUBREL is not delivered again.
                            bool deliver = packet.QoS != 2 || _awaitingRelease.Add(packet.PacketId);
                            if (deliver)
                            {
                                Record(packet);
                            }

                            await connection.SendAsync(Wire.Ack(packet.QoS == 1 ? Wire.PubAck : Wire.PubRec, packet.PacketId));
                            break;
                        case Wire.PubRel:
                            _awaitingRelease.Remove(packet.PacketId);
                            await connection.SendAsync(Wire.Ack(Wire.PubComp, packet.PacketId));
                            break;
                    }
                }
            }
            catch (Exception e) when (e is ExpectationFailedException or OperationCanceledException or ObjectDisposedException)
            {
                // The broker was killed.
            }
        }

        public async Task PublishAsync(RawMqttConnection connection, bool sendNew)
        {
            try
            {
                await connection.SendAsync(Wire.Connect("pub", clean: false));
                Assert.Equal(2, Wire.Parse(await connection.ReadPacketAsync(TimeSpan.FromSeconds(30))).Type);

                // [MQTT-4.4.0-1] from the client's side: resend what is unacknowledged, PUBREL where PUBREC came.
                foreach (var (id, (number, released)) in Snapshot())
                {
                    await connection.SendAsync(released ? Wire.Ack(Wire.PubRel, id) : Wire.Publish("crash/" + number, Payload(number), qos, id, dup: true));
                }

                while (true)
                {
                    while (sendNew && InflightCount < Window)
                    {
                        int number;
                        ushort id;
                        lock (_gate)
                        {
                            number = Published++;
                            id = (ushort)((number % 60_000) + 1);
                            _inflight[id] = (number, false);
                        }

                        await connection.SendAsync(Wire.Publish("crash/" + number, Payload(number), qos, id));
                    }

                    var packet = Wire.Parse(await connection.ReadPacketAsync(TimeSpan.FromSeconds(30)));
                    lock (_gate)
                    {
                        if (!_inflight.TryGetValue(packet.PacketId, out var entry))
                        {
                            continue;
                        }

                        if (packet.Type == Wire.PubRec)
                        {
                            _inflight[packet.PacketId] = (entry.Number, true);
                        }
                        else if (packet.Type is Wire.PubAck or Wire.PubComp)
                        {
                            _inflight.Remove(packet.PacketId);
                            Acknowledged.Add(entry.Number);
                        }
                    }

                    if (packet.Type == Wire.PubRec)
                    {
                        await connection.SendAsync(Wire.Ack(Wire.PubRel, packet.PacketId));
                    }

                    _progress.Writer.TryWrite(true);
                }
            }
            catch (Exception e) when (e is ExpectationFailedException or OperationCanceledException or ObjectDisposedException)
            {
                // The broker was killed.
            }
        }

        /// <summary>Waits until nothing is in flight and every acknowledged message arrived.</summary>
        public async Task WaitForDrainAsync(TimeSpan timeout)
        {
            using var deadline = new CancellationTokenSource(timeout);
            while (!Drained())
            {
                try
                {
                    await _progress.Reader.ReadAsync(deadline.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        private static string Payload(int number) => "n" + number.ToString(CultureInfo.InvariantCulture);

        private int InflightCount
        {
            get
            {
                lock (_gate)
                {
                    return _inflight.Count;
                }
            }
        }

        private bool Drained()
        {
            lock (_gate)
            {
                return _inflight.Count == 0 && Acknowledged.All(Received.Contains);
            }
        }

        private List<KeyValuePair<ushort, (int Number, bool Released)>> Snapshot()
        {
            lock (_gate)
            {
                return [.. _inflight.OrderBy(e => e.Value.Number)];
            }
        }

        private void Record(Packet packet)
        {
            Assert.Equal("crash/" + packet.Payload![1..], packet.Topic);
            int number = int.Parse(packet.Payload[1..], CultureInfo.InvariantCulture);
            lock (_gate)
            {
                Received.Add(number);
                ReceivedInOrder.Add(number);
            }

            _progress.Writer.TryWrite(true);
        }
    }
}
