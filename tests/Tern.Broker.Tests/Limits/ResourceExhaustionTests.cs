using System.Net.Sockets;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Limits;

/// <summary>
/// RELIABILITY C1 (huge declared length), C2 (slowloris) and C11 (QoS 2 awaiting-PUBREL flood) at scale, with the
/// broker's memory checked to stay bounded. Bounds are generous: the machine is shared and has 2 cores.
/// </summary>
[Collection(MemoryMeasuringCollection.Name)]
public class ResourceExhaustionTests
{
    private const long Budget = 64L * 1024 * 1024;

    [Fact]
    public async Task Twenty_256_MB_length_claims_before_and_after_CONNECT_are_refused_from_the_header_and_memory_stays_bounded_RELIABILITY_C1()
    {
        await using var broker = await TestBroker.StartAsync();
        long before = LimitSupport.HeldMemory();
        var connections = new List<RawMqttConnection>();
        try
        {
            for (int i = 0; i < 10; i++)
            {
                // Before CONNECT: closed without a byte.
                var raw = await broker.ConnectRawAsync($"claim-{i}");
                connections.Add(raw);
                await raw.SendAsync("30 FF FF FF 7F 00 01 'a'");
                await raw.ExpectClosedAsync(Timeouts.Default);
            }

            for (int i = 0; i < 10; i++)
            {
                // After a 5.0 CONNECT: DISCONNECT 0x95 Packet too large, then closed.
                var client = await broker.ConnectAsync(Packets.Connect($"claim-5-{i}", ProtocolVersion.V500));
                connections.Add(client);
                await client.SendAsync("30 FF FF FF 7F 00 01 'a'");
                await Expect.DisconnectAsync(client, ReasonCode.PacketTooLarge);
                await client.ExpectClosedAsync(Timeouts.Default);
            }

            long growth = LimitSupport.HeldMemory() - before;
            Assert.True(growth < Budget, $"20 claims of 256 MB grew the heap by {growth / 1024 / 1024} MB");
        }
        finally
        {
            foreach (var connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Two_thousand_connections_that_never_send_CONNECT_are_closed_at_the_connect_timeout_and_memory_stays_bounded_RELIABILITY_C2()
    {
        const int count = 2000;
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(10), time);
        var limits = broker.Broker.Engine.Limits;
        long before = LimitSupport.HeldMemory();
        var sockets = new List<Socket>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
                sockets.Add(socket);
                await socket.ConnectAsync(broker.Host, broker.Port);
                if (i % 100 == 0)
                {
                    // A few trickle the start of a CONNECT: a byte now and then does not extend the deadline.
                    await socket.SendAsync(new byte[] { 0x10 });
                }
            }

            await LimitSupport.WaitUntilAsync(() => limits.OpenConnections == count, $"{count} connections to be accepted", TimeSpan.FromSeconds(60));
            long growth = LimitSupport.HeldMemory() - before;
            Assert.True(growth < Budget, $"{count} idle connections hold {growth / 1024 / 1024} MB");

            time.Advance(TimeSpan.FromSeconds(5));
            foreach (var trickler in sockets.Where((_, i) => i % 100 == 0))
            {
                await trickler.SendAsync(new byte[] { 0x17 });
            }

            time.Advance(TimeSpan.FromSeconds(5));

            await LimitSupport.WaitUntilAsync(() => limits.OpenConnections == 0, "every idle connection to be closed", TimeSpan.FromSeconds(60));
            // Every connection's timeout is logged (event 1004; the heartbeat may repeat a line while a close is in progress).
            var timedOut = broker.Log.Split('\n').Where(l => l.Contains("[1004]", StringComparison.Ordinal)).Select(l => l.Split(' ')[4]).Distinct().Count();
            Assert.Equal(count, timedOut);
            var buffer = new byte[16];
            Assert.Equal(0, await sockets[0].ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeouts.Default));
            Assert.Equal(0, await sockets[100].ReceiveAsync(buffer, SocketFlags.None).WaitAsync(Timeouts.Default));
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_flood_of_unfinished_QoS_2_stops_at_MaxAwaitingRelease_and_memory_stays_bounded_RELIABILITY_C11(ProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxAwaitingRelease = 1000);
        await using var client = await broker.ConnectAsync(Packets.Connect("qos2-flood-" + version, version));
        long before = LimitSupport.HeldMemory();

        // Distinct packet identifiers, never a PUBREL (CVE-2023-28366): the 1001st closes the connection. A flood of all
        // 65,535 ends the same way, but the ~1 MB the broker never reads makes its close a reset that can discard the
        // PUBRECs before this client reads them; one past the limit shows the same refusal without that race.
        var flood = new List<byte>();
        for (int id = 1; id <= 1_001; id++)
        {
            flood.AddRange(Packets.Publish("q2/flood", "x", QualityOfService.ExactlyOnce, (ushort)id, version: version));
        }

        try
        {
            await client.SendAsync(flood.ToArray());
        }
        catch (ExpectationFailedException)
        {
            // The broker may close before it has read everything; that is the expected end.
        }

        for (int i = 1; i <= 1000; i++)
        {
            Assert.Equal(0x50, (await client.ReadPacketAsync(Timeouts.Default))[0]); // PUBREC
        }

        if (version == ProtocolVersion.V500)
        {
            await Expect.DisconnectAsync(client, ReasonCode.ReceiveMaximumExceeded);
        }

        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("[2001]", broker.Log, StringComparison.Ordinal);
        long growth = LimitSupport.HeldMemory() - before;
        Assert.True(growth < Budget, $"the QoS 2 flood grew the heap by {growth / 1024 / 1024} MB");
    }
}
