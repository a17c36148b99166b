using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Limits;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Limits;

/// <summary>RELIABILITY C2 (listener max_connections) and C12 (connection-rate flood): refused at accept, before any MQTT byte.</summary>
public class ConnectionLimitTests
{
    [Fact]
    public async Task A_connection_beyond_MaxConnections_is_closed_at_accept_logged_once_and_counted()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 2);
        await using var first = await broker.ConnectAsync(Packets.Connect("mc-1"));
        await using var second = await broker.ConnectRawAsync("mc-2 (no CONNECT yet)");
        await LimitSupport.WaitUntilAsync(() => broker.Broker.Engine.Limits.OpenConnections == 2, "the second socket to be admitted");

        await using var third = await broker.ConnectRawAsync("mc-3");
        await third.ExpectClosedAsync(Timeouts.Default);
        await using var fourth = await broker.ConnectRawAsync("mc-4");
        await fourth.ExpectClosedAsync(Timeouts.Default);

        await first.ExpectAliveAsync();
        Assert.Equal(1, broker.Count(5000));
        Assert.Equal(2, broker.Broker.Engine.Metrics.LimitHits(LimitNames.Connections));
    }

    [Fact]
    public async Task A_closed_connection_frees_its_place_under_MaxConnections()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 1);
        var engine = broker.Broker.Engine;
        var first = await broker.ConnectAsync(Packets.Connect("mc-free-1"));
        await first.DisposeAsync();
        await LimitSupport.WaitUntilAsync(() => engine.Limits.OpenConnections == 0, "the first connection to be released");

        await using var second = await broker.ConnectAsync(Packets.Connect("mc-free-2"));

        await second.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_listener_MaxConnections_refuses_at_that_listener_only()
    {
        await using var broker = await TestBroker.StartAsync(o => o.Listeners =
        [
            new MqttListenerOptions { Name = "small", Bind = "127.0.0.1", Port = 0, MaxConnections = 1 },
            new MqttListenerOptions { Name = "large", Bind = "127.0.0.1", Port = 0 },
        ]);
        int small = broker.Broker.Endpoints[0].Port;
        int large = broker.Broker.Endpoints[1].Port;
        await using var one = await RawMqttConnection.ConnectAsync("127.0.0.1", small, "small-1");
        await one.SendAsync(Packets.Connect("lmc-1"));
        await one.ReadPacketAsync(Timeouts.Default);

        await using var refused = await RawMqttConnection.ConnectAsync("127.0.0.1", small, "small-2");
        await refused.ExpectClosedAsync(Timeouts.Default);
        await using var other = await RawMqttConnection.ConnectAsync("127.0.0.1", large, "large-1");
        await other.SendAsync(Packets.Connect("lmc-2"));

        await other.ExpectAsync("20 02 00 00", Timeouts.Default);
        Assert.Equal(1, broker.Count(5001));
        Assert.Contains("Listener small reached", broker.Log, StringComparison.Ordinal);
        Assert.Equal(1, broker.Broker.Engine.Metrics.LimitHits(LimitNames.ListenerConnections));
    }

    [Fact]
    public async Task Connections_above_the_rate_per_address_are_closed_at_accept_until_the_bucket_refills_RELIABILITY_C12()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnectionRatePerAddress = 3, time);
        var accepted = new List<RawMqttConnection>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                accepted.Add(await broker.ConnectAsync(Packets.Connect($"rate-{i}")));
            }

            await using var fourth = await broker.ConnectRawAsync("rate-4");
            await fourth.ExpectClosedAsync(Timeouts.Default);
            await using var fifth = await broker.ConnectRawAsync("rate-5");
            await fifth.ExpectClosedAsync(Timeouts.Default);

            // Existing sessions keep working; one log line for the episode, every refusal counted.
            await accepted[0].ExpectAliveAsync();
            Assert.Equal(1, broker.Count(5002));
            Assert.Contains("Address 127.0.0.1 opens more than 3 connections a second", broker.Log, StringComparison.Ordinal);
            Assert.Equal(2, broker.Broker.Engine.Metrics.LimitHits(LimitNames.ConnectionRate));

            time.Advance(TimeSpan.FromSeconds(1));
            accepted.Add(await broker.ConnectAsync(Packets.Connect("rate-after")));
        }
        finally
        {
            foreach (var connection in accepted)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Calm_addresses_are_forgotten_so_the_rate_table_stays_small()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnectionRatePerAddress = 10, time);
        var limits = broker.Broker.Engine.Limits;
        await using var client = await broker.ConnectAsync(Packets.Connect("rate-prune"));
        Assert.Equal(1, limits.TrackedAddresses);

        time.Advance(TimeSpan.FromSeconds(1)); // the bucket is full again; the heartbeat prunes it

        await LimitSupport.WaitUntilAsync(() => limits.TrackedAddresses == 0, "the calm address to be forgotten");
    }

    [Theory]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_refused_connection_gets_no_CONNACK_in_any_version(ProtocolVersion version)
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxConnections = 1);
        await using var first = await broker.ConnectAsync(Packets.Connect("only", version));
        await using var refused = await broker.ConnectRawAsync("refused");

        // The broker closes before reading: whatever the client sends, it gets no byte back.
        try
        {
            await refused.SendAsync(Packets.Connect("refused", version));
        }
        catch (ExpectationFailedException)
        {
            // Already closed: the send may fail, which is the same answer.
        }

        await refused.ExpectClosedAsync(Timeouts.Default);
    }
}
