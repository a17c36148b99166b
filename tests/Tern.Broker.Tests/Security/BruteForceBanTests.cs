using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>RELIABILITY E13: an address that keeps failing password authentication is banned for a while (5.0 0x8A, 3.1.1 0x05).</summary>
public sealed class BruteForceBanTests
{
    private static readonly string[] Users = ["alice:wonderland"];

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x05)]
    [InlineData(ProtocolVersion.V500, 0x8A)]
    public async Task After_MaxAuthFailuresPerAddress_wrong_passwords_even_the_right_one_is_refused_until_the_ban_ends(ProtocolVersion version, byte banned)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await SecuredBroker.StartAsync(
            Users,
            configure: o =>
            {
                o.Security.MaxAuthFailuresPerAddress = 3;
                o.Security.AuthFailureBanDuration = TimeSpan.FromSeconds(30);
            },
            services: s => s.AddSingleton<TimeProvider>(time));

        for (int attempt = 0; attempt < 3; attempt++)
        {
            var (wrong, code) = await broker.ConnectAsync($"guess-{attempt}", "alice", "guess", version);
            await using var _ = wrong;
            Assert.Equal(version == ProtocolVersion.V500 ? 0x86 : 0x04, code);
        }

        var (refused, refusedCode) = await broker.ConnectAsync("right", "alice", "wonderland", version);
        await using (refused)
        {
            Assert.Equal(banned, refusedCode);
        }

        Assert.Contains("[4030]", broker.Broker.Log, StringComparison.Ordinal);
        Assert.Equal(1, broker.Broker.Broker.Engine.Metrics.LimitHits("auth_failures"));

        time.Advance(TimeSpan.FromSeconds(31));
        var (accepted, acceptedCode) = await broker.ConnectAsync("right", "alice", "wonderland", version);
        await using (accepted)
        {
            Assert.Equal(0, acceptedCode);
        }
    }

    [Fact]
    public async Task Failures_spread_wider_than_the_window_never_ban()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var broker = await SecuredBroker.StartAsync(
            Users,
            configure: o =>
            {
                o.Security.MaxAuthFailuresPerAddress = 2;
                o.Security.AuthFailureBanDuration = TimeSpan.FromSeconds(30);
            },
            services: s => s.AddSingleton<TimeProvider>(time));

        for (int attempt = 0; attempt < 3; attempt++)
        {
            var (wrong, _) = await broker.ConnectAsync($"guess-{attempt}", "alice", "guess");
            await using var _ = wrong;
            time.Advance(TimeSpan.FromSeconds(31));
        }

        var (accepted, code) = await broker.ConnectAsync("right", "alice", "wonderland");
        await using (accepted)
        {
            Assert.Equal(0, code);
        }

        Assert.DoesNotContain("[4030]", broker.Broker.Log, StringComparison.Ordinal);
    }
}
