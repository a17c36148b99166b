using Tern.Broker.Limits;
using Tern.Broker.Sessions;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Limits;

/// <summary>RELIABILITY C4 (unbounded offline queue): MaxQueuedBytes next to MaxQueuedMessages, with the overflow policy.</summary>
public class QueuedBytesTests
{
    // Topic "qb/t" (4 bytes) + 296 bytes of payload: 300 bytes queued per message, so 1000 bytes hold three.
    private static readonly string Payload = new('p', 294);

    [Theory]
    [InlineData(QueueOverflowPolicy.DropNewest, new[] { 0, 1, 2 })]
    [InlineData(QueueOverflowPolicy.DropOldest, new[] { 7, 8, 9 })]
    public async Task An_offline_queue_is_capped_in_bytes_with_the_policy_applied_counted_and_logged_once(QueueOverflowPolicy policy, int[] survivors)
    {
        await using var broker = await TestBroker.StartAsync(o => (o.MaxQueuedBytes, o.QueueOverflowPolicy) = (1000, policy));
        await using (var first = await broker.ConnectAsync(Packets.Connect("qb-sub", clean: false)))
        {
            await first.SendAsync(Packets.Subscribe(1, "qb/t", QualityOfService.AtLeastOnce));
            await first.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("qb-sub");
        await using (var publisher = await broker.ConnectAsync(Packets.Connect("qb-pub")))
        {
            for (ushort i = 0; i < 10; i++)
            {
                // Publishers still get their PUBACK: the drop is the subscriber's queue's business.
                await publisher.SendAsync(Packets.Publish("qb/t", $"{i:00}" + Payload, QualityOfService.AtLeastOnce, (ushort)(i + 1)));
                await publisher.ExpectAsync($"40 02 00 {i + 1:X2}", Timeouts.Default);
            }
        }

        var session = broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "qb-sub");
        Assert.Equal((3, 900L), (session.QueuedCount, session.QueuedBytes));
        Assert.Equal(7, broker.Broker.Engine.Metrics.LimitHits(LimitNames.QueuedBytes));
        Assert.Equal(7, broker.Broker.Engine.Metrics.MessagesDropped);
        Assert.Equal(1, broker.Count(5005));

        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect("qb-sub", clean: false));
        await again.ExpectAsync("20 02 01 00", Timeouts.Default);
        foreach (int expected in survivors)
        {
            var message = Received.AsPublish(await again.ReadPacketAsync(Timeouts.Default));
            Assert.Equal($"{expected:00}", message.Payload[..2]);
        }
    }

    [Fact]
    public async Task A_message_larger_than_MaxQueuedBytes_is_never_queued()
    {
        await using var broker = await TestBroker.StartAsync(o => (o.MaxQueuedBytes, o.QueueOverflowPolicy) = (100, QueueOverflowPolicy.DropOldest));
        await using (var first = await broker.ConnectAsync(Packets.Connect("qb-big", clean: false)))
        {
            await first.SendAsync(Packets.Subscribe(1, "qb/big", QualityOfService.AtLeastOnce));
            await first.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("qb-big");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("qb-big-pub"));
        await publisher.SendAsync(Packets.Publish("qb/big", "small", QualityOfService.AtLeastOnce, 1));
        await publisher.ExpectAsync("40 02 00 01", Timeouts.Default);
        await publisher.SendAsync(Packets.Publish("qb/big", new string('x', 200), QualityOfService.AtLeastOnce, 2));
        await publisher.ExpectAsync("40 02 00 02", Timeouts.Default);

        var session = broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "qb-big");
        Assert.Equal((1, 11L), (session.QueuedCount, session.QueuedBytes));
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.QueuedBytes));
    }
}
