using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Hosting;

/// <summary>Limits re-read from the configuration source on reload: the new values apply at once; a bad source changes nothing.</summary>
public sealed class LimitsReloadTests
{
    [Fact]
    public async Task A_reload_puts_a_raised_MaxSubscriptionsPerClient_in_force_for_a_connected_client()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSubscriptionsPerClient = 1);
        await using var client = await broker.ConnectAsync(Packets.Connect("limits-reload"));
        await client.SendAsync(Packets.Subscribe(1, "r/1", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await client.SendAsync(Packets.Subscribe(2, "r/2", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 02 80", Timeouts.Default);

        broker.Broker.ConfigurationSource = () => new BrokerOptions { MaxSubscriptionsPerClient = 2 };
        var result = broker.Broker.Reload();

        Assert.True(result.Succeeded, string.Join(" ", result.Problems));
        Assert.Contains("limits", result.Reloaded);
        await client.SendAsync(Packets.Subscribe(3, "r/2", QualityOfService.AtMostOnce));
        await client.ExpectAsync("90 03 00 03 00", Timeouts.Default);
    }

    [Fact]
    public async Task A_source_with_an_invalid_value_fails_the_reload_and_the_old_limits_stay()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxTopicLevels = 3);
        broker.Broker.ConfigurationSource = () => new BrokerOptions { MaxTopicLevels = 3, MaxInflightMessages = 0 };

        var result = broker.Broker.Reload();

        Assert.False(result.Succeeded);
        Assert.Contains(result.Problems, p => p.Contains("MaxInflightMessages", StringComparison.Ordinal));
        Assert.Equal(3, broker.Broker.Engine.Options.MaxTopicLevels);
        Assert.Equal(20, broker.Broker.Engine.Options.MaxInflightMessages);
    }

    [Fact]
    public async Task A_source_that_throws_fails_the_reload_with_its_message()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 50);
        broker.Broker.ConfigurationSource = () => throw new InvalidDataException("tern.json line 3: unexpected character");

        var result = broker.Broker.Reload();

        Assert.False(result.Succeeded);
        Assert.Equal(["limits: tern.json line 3: unexpected character"], result.Problems);
        Assert.Equal(50, broker.Broker.Engine.Options.MaxConnections);
    }

    [Fact]
    public async Task Without_a_source_a_reload_leaves_the_limits_alone_and_does_not_claim_them()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 50);

        var result = broker.Broker.Reload();

        Assert.True(result.Succeeded);
        Assert.DoesNotContain("limits", result.Reloaded);
        Assert.Equal(50, broker.Broker.Engine.Options.MaxConnections);
    }
}
