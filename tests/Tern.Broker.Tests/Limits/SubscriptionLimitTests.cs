using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Limits;

/// <summary>RELIABILITY C6 (many subscriptions): MaxSubscriptionsPerClient, 5.0 SUBACK 0x97 Quota exceeded, 3.1.1 0x80.</summary>
public class SubscriptionLimitTests
{
    [Theory]
    [InlineData(ProtocolVersion.V311, "90 06 00 01 01 01 80 80")]
    [InlineData(ProtocolVersion.V500, "90 07 00 01 00 01 01 97 97")]
    public async Task Subscriptions_beyond_MaxSubscriptionsPerClient_are_refused_per_filter(ProtocolVersion version, string suback)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 2);
        await using var client = await broker.ConnectAsync(Packets.Connect("subs-" + version, version));

        await client.SendAsync(LimitSupport.Subscribe(1, version, "s/1", "s/2", "s/3", "s/4"));

        await client.ExpectAsync(suback, Timeouts.Default);
        Assert.Equal(1, broker.Count(5004));
        Assert.Equal(2, broker.Broker.Engine.Metrics.LimitHits(LimitNames.Subscriptions));
    }

    [Fact]
    public async Task Replacing_a_subscription_at_the_limit_is_allowed_and_unsubscribing_frees_a_place()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 1);
        await using var client = await broker.ConnectAsync(Packets.Connect("subs-replace"));
        await client.SendAsync(Packets.Subscribe(1, "r/1", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 01 00", Timeouts.Default);

        // Same filter again: replaces ([MQTT-3.8.4-3]), does not add.
        await client.SendAsync(Packets.Subscribe(2, "r/1", QualityOfService.AtLeastOnce));
        await client.ExpectAsync("90 03 00 02 01", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(3, "r/2", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 03 80", Timeouts.Default);
        await client.SendAsync(Packets.Unsubscribe(4, "r/1"));
        await client.ExpectAsync("B0 02 00 04", Timeouts.Default);

        await client.SendAsync(Packets.Subscribe(5, "r/2", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 05 00", Timeouts.Default);
    }

    [Fact]
    public async Task Ten_thousand_filters_in_one_SUBSCRIBE_are_granted_up_to_the_limit_only_RELIABILITY_C6()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 100);
        await using var client = await broker.ConnectAsync(Packets.Connect("subs-flood"));
        var filters = Enumerable.Range(0, 10_000).Select(i => $"flood/{i}").ToArray();

        await client.SendAsync(LimitSupport.Subscribe(1, ProtocolVersion.V311, filters));

        var suback = await client.ReadPacketAsync(Timeouts.Default);
        var codes = suback.AsSpan(suback.Length - 10_000).ToArray();
        Assert.Equal(100, codes.Count(c => c == 0x01));
        Assert.Equal(9_900, codes.Count(c => c == 0x80));
        var session = broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "subs-flood");
        Assert.Equal(100, session.SubscriptionCount);
        Assert.Equal(1, broker.Count(5004));
    }
}
