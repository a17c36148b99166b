using System.Globalization;
using System.Text.Json;
using Tern.TestKit;

namespace Tern.Bench.Tests;

/// <summary>
/// <c>tern bench</c> against each broker under test with tiny counts: the JSON line parses, and at QoS 1 and 2 every
/// published message is acknowledged and reaches every subscriber exactly as often as it should.
/// </summary>
public sealed class BenchAgainstBrokersTests
{
    public static TheoryData<string> BrokerNames => [.. Brokers.Names];

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Fan_in_at_QoS_1_delivers_every_message_of_two_publishers_to_the_subscriber(string broker)
    {
        await using var server = await Brokers.StartAsync(broker);

        var json = await BenchProcess.RunJsonAsync("fan-in", "-h", server.Host, "-p", Port(server), "--qos", "1", "--publishers", "2", "--count", "200");

        Assert.Equal("fan-in", json.GetProperty("scenario").GetString());
        Assert.Equal(400, json.Long("published"));
        Assert.Equal(400, json.Long("acknowledged"));
        Assert.Equal(json.Long("published") * json.Long("subscribers"), json.Long("delivered"));
        Assert.True(json.GetProperty("complete").GetBoolean());
        Assert.True(json.Double("delivered_per_s") > 0);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Fan_out_at_QoS_2_delivers_each_message_once_to_each_of_three_subscribers(string broker)
    {
        await using var server = await Brokers.StartAsync(broker);

        var json = await BenchProcess.RunJsonAsync("fan-out", "-p", Port(server), "--qos", "2", "--subscribers", "3", "--count", "100");

        Assert.Equal(100, json.Long("published"));
        Assert.Equal(100, json.Long("acknowledged"));
        Assert.Equal(300, json.Long("delivered"));
        Assert.Equal(300, json.Long("expected"));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Pairs_at_QoS_1_over_MQTT_5_deliver_each_pair_its_own_messages_only(string broker)
    {
        await using var server = await Brokers.StartAsync(broker);

        var json = await BenchProcess.RunJsonAsync("pairs", "-p", Port(server), "--qos", "1", "--pairs", "3", "--count", "100", "--protocol", "5");

        Assert.Equal("5.0", json.GetProperty("protocol").GetString());
        Assert.Equal(300, json.Long("published"));
        Assert.Equal(300, json.Long("acknowledged"));
        Assert.Equal(300, json.Long("delivered"));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Latency_at_200_messages_a_second_for_one_second_reports_ordered_percentiles(string broker)
    {
        await using var server = await Brokers.StartAsync(broker);

        var json = await BenchProcess.RunJsonAsync("latency", "-p", Port(server), "--qos", "1", "--rate", "200", "--duration", "1", "--warmup", "0");

        var latency = json.GetProperty("latency_us");
        long samples = latency.Long("samples");

        // Paced at 200/s from the start: one second and the coordinator's 100 ms tick give 200 to about 225 messages on
        // a quiet machine. The pacing must never overshoot; on a loaded 2-core CI machine the QoS 1 round trips may make
        // it fall behind (165 was seen), so the lower bound only says that pacing ran for the whole second.
        Assert.InRange(json.Long("published"), 100, 300);
        Assert.Equal(json.Long("published"), json.Long("delivered"));
        Assert.Equal(json.Long("delivered"), samples);
        Assert.True(latency.Double("p50") > 0);
        Assert.True(latency.Double("p50") <= latency.Double("p90"));
        Assert.True(latency.Double("p90") <= latency.Double("p99"));
        Assert.True(latency.Double("p99") <= latency.Double("p999"));
        Assert.True(latency.Double("p999") <= latency.Double("max"));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Fifty_idle_connections_from_two_source_addresses_all_connect_and_stay_open(string broker)
    {
        await using var server = await Brokers.StartAsync(broker);

        var json = await BenchProcess.RunJsonAsync("connections", "-p", Port(server), "--connections", "50", "--source-addresses", "127.0.0.1,127.0.0.2");

        Assert.Equal("connections", json.GetProperty("scenario").GetString());
        Assert.Equal(50, json.Long("connected"));
        Assert.Equal(0, json.Long("failed"));
        Assert.Equal(50, json.Long("still_open"));
        Assert.True(json.Double("connect_per_s") > 0);
    }

    private static string Port(IBrokerUnderTest server) => server.Port.ToString(CultureInfo.InvariantCulture);
}
