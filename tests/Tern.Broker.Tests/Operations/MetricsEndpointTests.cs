using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Operations;

/// <summary>
/// The Prometheus endpoint exports the process's <c>Tern.Broker</c> meters by name, so these tests run alone
/// (no other broker of this test process adds to the numbers).
/// </summary>
[CollectionDefinition(nameof(MetricsCollection), DisableParallelization = true)]
public sealed class MetricsCollection;

[Collection(nameof(MetricsCollection))]
public sealed class MetricsEndpointTests
{
    [Fact]
    public async Task Metrics_after_known_traffic_count_clients_messages_bytes_and_state()
    {
        await using var broker = await OperationsBroker.StartAsync();
        using var http = broker.Http(apiKey: null);
        await using var subscriber = await broker.ConnectAsync(Packets.Connect("metrics-sub"));
        await subscriber.SendAsync(Packets.Subscribe(1, "metrics/#", QualityOfService.AtLeastOnce));
        await subscriber.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("metrics-pub"));
        for (ushort i = 1; i <= 5; i++)
        {
            await publisher.SendAsync(Packets.Publish("metrics/a", "hello", QualityOfService.AtLeastOnce, i, retain: i == 5));
            await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
            await subscriber.ReadPacketAsync(Timeouts.Default);
        }

        var samples = await http.ScrapeAsync();
        string all = string.Join('\n', samples.Select(s => $"{s.Key} {s.Value}"));

        Assert.True(samples.TryGetValue("tern_messages_received_total", out double received), all);
        Assert.Equal(5, received);
        Assert.Equal(2, samples["tern_clients_connected"]);
        Assert.Equal(2, samples["tern_connections_accepted_total"]);
        Assert.Equal(1, samples["tern_subscriptions"]);
        Assert.Equal(1, samples["tern_retained_messages"]);
        Assert.Equal(2, samples["tern_sessions"]);
        Assert.True(samples["tern_bytes_received_bytes_total"] > 5 * 5, all);
        Assert.True(samples["tern_packets_received_total"] >= 2 + 1 + 5, all);
        Assert.Equal(5, samples["tern_messages_inflight"]); // the subscriber acknowledges nothing
        Assert.Equal(5, samples["tern_messages_sent_total"]);
        Assert.True(samples.ContainsKey("tern_messages_queued"), all);
    }
}
