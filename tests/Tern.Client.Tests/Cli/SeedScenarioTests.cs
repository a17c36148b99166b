using System.Diagnostics;
using System.Reflection;
using Tern.Client.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Processes;
using Xunit.Abstractions;

namespace Tern.Client.Tests.Cli;

/// <summary>
/// samples/SeedScenarios, the seed's three programs in C#, run as processes and checked line for line against what the
/// lesson says they print. 3.1.1 [MQTT-3.2.2-1], [MQTT-3.2.2-2] (session present), [MQTT-3.1.4-2] (takeover).
/// </summary>
public sealed class SeedScenarioTests(ITestOutputHelper output) : ClientTest(output)
{
    private const string NoSession = "return code: 0, sessionPresent: false";
    private const string Session = "return code: 0, sessionPresent: true";
    private const string Offline = "client went offline";

    private static readonly string Dll = typeof(SeedScenarioTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "SeedScenariosDll").Value!;

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Persistent_connection_prints_sessionPresent_false_then_true_and_non_persistent_always_false_MQTT_3_2_2_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("seed");
        Assert.Equal([NoSession], await RunToEndAsync(server, "persistent_connection", clientId));
        Assert.Equal([Session], await RunToEndAsync(server, "persistent_connection", clientId));
        Assert.Equal([NoSession], await RunToEndAsync(server, "non_persistent_connection", clientId));
        Assert.Equal([NoSession], await RunToEndAsync(server, "non_persistent_connection", clientId));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task Two_identical_programs_knock_each_other_off_in_turn_MQTT_3_1_4_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("seed-same");
        var environment = new Dictionary<string, string> { ["MQTT_RECONNECT_PERIOD_MS"] = "100" };
        await using var first = ChildProcess.Start(TernCli.Dotnet, [Dll, "identical", server.Url(), clientId], environment);
        await first.ExpectLineAsync(NoSession, Timeouts.Process);
        await using var second = ChildProcess.Start(TernCli.Dotnet, [Dll, "identical", server.Url(), clientId], environment);
        await Task.WhenAll(ExpectCyclesAsync(first, connectsSeen: 1), ExpectCyclesAsync(second, connectsSeen: 0));
    }

    // Reads lines until the program connected 3 times and went offline twice, within 20 s; every line is one of the lesson's two.
    private static async Task ExpectCyclesAsync(ChildProcess process, int connectsSeen)
    {
        var budget = TimeSpan.FromSeconds(20);
        var clock = Stopwatch.StartNew();
        int connects = connectsSeen, offlines = 0;
        while (connects < 3 || offlines < 2)
        {
            string line = await process.ExpectLineAsync(_ => true, $"more cycles ({connects} connects, {offlines} offlines so far)", budget > clock.Elapsed ? budget - clock.Elapsed : TimeSpan.FromMilliseconds(1));
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

    private static async Task<IReadOnlyList<string>> RunToEndAsync(IBrokerUnderTest server, string scenario, string clientId)
    {
        var result = await ChildProcess.RunAsync(TernCli.Dotnet, [Dll, scenario, server.Url(), clientId], Timeouts.Process);
        Assert.True(result.ExitCode == 0, result.Transcript);
        return result.Output;
    }
}
