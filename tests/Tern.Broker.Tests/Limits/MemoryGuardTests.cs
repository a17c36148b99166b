using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Limits;

/// <summary>
/// The broker-wide memory guard (RELIABILITY C15 in spirit: shed load before the process dies). The heap sample is
/// replaced so the tests drive the guard without allocating gigabytes; the heartbeat runs on a fake clock.
/// </summary>
public class MemoryGuardTests
{
    private const long Limit = 1_000_000_000;

    [Fact]
    public void The_default_limit_is_three_quarters_of_the_memory_the_GC_may_use_and_0_turns_it_off()
    {
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;

        Assert.Equal((long)(available * 0.75), new MemoryGuard(null).Limit);
        var off = new MemoryGuard(0) { Sample = () => long.MaxValue };
        Assert.Equal(0, off.Check(out _));
        Assert.False(off.IsOverLimit);
    }

    [Fact]
    public void The_guard_recovers_only_below_90_percent_of_the_limit()
    {
        long used = 0;
        var guard = new MemoryGuard(1000) { Sample = () => used };

        used = 1001;
        Assert.Equal(1, guard.Check(out _));
        used = 950;
        Assert.Equal(0, guard.Check(out _));
        Assert.True(guard.IsOverLimit);
        used = 899;
        Assert.Equal(-1, guard.Check(out _));
        Assert.False(guard.IsOverLimit);
    }

    [Fact]
    public async Task Above_the_limit_new_connections_are_closed_at_accept_and_below_it_they_are_accepted_again()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MemoryLimitBytes = Limit, time);
        long used = Limit + 1;
        await GoOverAsync(broker, time, () => used);

        await using var refused = await broker.ConnectRawAsync("refused");
        await refused.ExpectClosedAsync(Timeouts.Default);
        Assert.Equal(1, broker.Count(5009));

        used = Limit / 2;
        time.Advance(broker.Broker.Engine.Options.HeartbeatInterval);
        await LimitSupport.WaitUntilAsync(() => !broker.Broker.Engine.Limits.Memory.IsOverLimit, "the guard to recover");
        await using var accepted = await broker.ConnectAsync(Packets.Connect("after"));
        Assert.Equal(1, broker.Count(5010));
    }

    [Fact]
    public async Task Above_the_limit_a_50_QoS_1_or_2_PUBLISH_gets_0x97_and_QoS_0_still_passes()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MemoryLimitBytes = Limit, time);
        await using var watcher = await broker.ConnectAsync(Packets.Connect("mem-watch", keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, "mem/#", QualityOfService.AtLeastOnce));
        await watcher.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        await using var client = await broker.ConnectAsync(Packets.Connect("mem-5", ProtocolVersion.V500, keepAlive: 0));
        await GoOverAsync(broker, time, () => Limit + 1);

        await client.SendAsync(Packets.Publish("mem/1", "x", QualityOfService.AtLeastOnce, 1, version: ProtocolVersion.V500));
        await client.ExpectAsync("40 03 00 01 97", Timeouts.Default);
        await client.SendAsync(Packets.Publish("mem/2", "x", QualityOfService.ExactlyOnce, 2, version: ProtocolVersion.V500));
        await client.ExpectAsync("50 03 00 02 97", Timeouts.Default);
        await client.SendAsync(Packets.Publish("mem/0", "fine", version: ProtocolVersion.V500));

        Assert.Equal("mem/0", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
        Assert.Equal(2, broker.Broker.Engine.Metrics.LimitHits(LimitNames.Memory));
    }

    [Fact]
    public async Task Above_the_limit_a_311_QoS_1_PUBLISH_closes_the_connection()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MemoryLimitBytes = Limit, time);
        await using var client = await broker.ConnectAsync(Packets.Connect("mem-311", keepAlive: 0));
        await GoOverAsync(broker, time, () => Limit + 1);

        await client.SendAsync(Packets.Publish("mem/1", "x", QualityOfService.AtLeastOnce, 1));

        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Above_the_limit_QoS_0_to_a_subscriber_with_a_backlog_is_shed()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => (o.MemoryLimitBytes, o.MaxOutboundBytes) = (Limit, 0), time);
        using var subscriber = await LimitSupport.ConnectNonReadingSubscriberAsync(broker, "mem-slow", "mem/flood", QualityOfService.AtMostOnce);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("mem-pub", keepAlive: 0));
        await GoOverAsync(broker, time, () => Limit + 1);
        var flood = Enumerable.Range(0, 1000).SelectMany(_ => Packets.Publish("mem/flood", new string('f', 1000))).ToArray();

        for (int i = 0; i < 20; i++)
        {
            await publisher.SendAsync(flood);
        }

        await publisher.ExpectAliveAsync(Timeouts.Default);
        Assert.True(broker.Broker.Engine.Metrics.LimitHits(LimitNames.Memory) > 10_000);
        Assert.True(broker.Channel("mem-slow").Connection.OutboundBytes < 64 * 1024 + 1100);
    }

    private static async Task GoOverAsync(TernBroker broker, FakeTimeProvider time, Func<long> sample)
    {
        var guard = broker.Broker.Engine.Limits.Memory;
        guard.Sample = sample;
        time.Advance(broker.Broker.Engine.Options.HeartbeatInterval);
        await LimitSupport.WaitUntilAsync(() => guard.IsOverLimit, "the memory guard to trip");
    }
}
