using System.Diagnostics;
using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Processes;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Seed;

/// <summary>
/// The seed's three MQTT.js programs (node/seed/), run as the lesson runs them and checked line for line against what
/// the lesson says they print. MQTT 3.1.1 [MQTT-3.2.2-1], [MQTT-3.2.2-2], [MQTT-3.2.2-3] (session present), [MQTT-3.1.4-2] (takeover).
/// </summary>
public sealed class MqttJsSeedTests(ITestOutputHelper output) : InteropTest(output)
{
    private const string NoSession = "return code: 0, sessionPresent: false";
    private const string Session = "return code: 0, sessionPresent: true";
    private const string Offline = "client went offline";

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_persistent_session_is_absent_on_the_first_connect_and_present_on_every_later_one_MQTT_3_2_2_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("seed-persist");

        Assert.Equal(NoSession, await RunToEndAsync(server, "seed/persistent_connection.js", clientId));
        Assert.Equal(Session, await RunToEndAsync(server, "seed/persistent_connection.js", clientId));
        Assert.Equal(Session, await RunToEndAsync(server, "seed/persistent_connection.js", clientId));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_clean_session_is_never_present_and_discards_the_stored_one_MQTT_3_2_2_1(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("seed-clean");

        // A persistent session exists...
        Assert.Equal(NoSession, await RunToEndAsync(server, "seed/persistent_connection.js", clientId));
        // ...yet a clean session is never told about it, however often it connects...
        Assert.Equal(NoSession, await RunToEndAsync(server, "seed/non_persistent_connection.js", clientId));
        Assert.Equal(NoSession, await RunToEndAsync(server, "seed/non_persistent_connection.js", clientId));
        // ...and it was discarded: the next persistent connect starts afresh [MQTT-3.1.2-6].
        Assert.Equal(NoSession, await RunToEndAsync(server, "seed/persistent_connection.js", clientId));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Two_clients_with_the_same_identifier_knock_each_other_off_in_turn_MQTT_3_1_4_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("seed-same");
        // MQTT.js waits 1 s before reconnecting; a shorter period shows the same cycles sooner.
        var environment = new Dictionary<string, string> { ["MQTT_RECONNECT_PERIOD_MS"] = "200" };

        await using var first = NodeMqtt.Start(Peers.NodeDirectory, "seed/identical.js", [server.Url(), clientId], environment);
        await first.ExpectLineAsync(NoSession, Timeouts.Process);
        await using var second = NodeMqtt.Start(Peers.NodeDirectory, "seed/identical.js", [server.Url(), clientId], environment);

        // Each goes on- and offline again and again, as the lesson shows.
        await Task.WhenAll(ExpectCyclesAsync(first, connectsSeen: 1), ExpectCyclesAsync(second, connectsSeen: 0));
    }

    // Reads the lines of one identical.js until it connected 3 times and went offline twice, within 20 s in all;
    // every line must be one of the two the lesson shows.
    private static async Task ExpectCyclesAsync(ChildProcess process, int connectsSeen)
    {
        var budget = TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        int connects = connectsSeen;
        int offlines = 0;
        while (connects < 3 || offlines < 2)
        {
            string line = await process.ExpectLineAsync(
                _ => true,
                $"more cycles within {budget.TotalSeconds} s (so far {connects} connects, {offlines} offlines)",
                budget > clock.Elapsed ? budget - clock.Elapsed : TimeSpan.FromMilliseconds(1));
            switch (line)
            {
                case NoSession:
                    connects++;
                    break;
                case Offline:
                    offlines++;
                    break;
                default:
                    throw new ExpectationFailedException($"Unexpected line \"{line}\".\n{process.Transcript()}");
            }
        }
    }

    private static async Task<string> RunToEndAsync(IBrokerUnderTest broker, string script, string clientId)
    {
        await using var process = NodeMqtt.Start(Peers.NodeDirectory, script, [broker.Url(), clientId]);
        int exitCode = await process.WaitForExitAsync(Timeouts.Process);
        Assert.True(exitCode == 0, process.Transcript());
        return Assert.Single(process.Output);
    }
}
