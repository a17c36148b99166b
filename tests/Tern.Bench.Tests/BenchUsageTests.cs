using System.Globalization;
using Tern.TestKit;

namespace Tern.Bench.Tests;

/// <summary>How <c>tern bench</c> fails: one clear line on standard error and the exit code a script can test.</summary>
public sealed class BenchUsageTests
{
    public static TheoryData<string[], string> BadArguments => new()
    {
        { ["fan-in", "--qos", "3"], "tern bench: --qos must be 0, 1 or 2" },
        { ["fan-out", "--count", "0"], "tern bench: --count must be positive" },
        { ["latency", "--size", "4"], "tern bench: --size must be at least 8 for latency (the payload carries a timestamp)" },
        { ["fan-in", "--pairs", "3"], "tern bench: --pairs applies to pairs" },
        { ["connections", "--source-addresses", "127.0.0.1,nowhere"], "tern bench: --source-addresses: 'nowhere' is not an IP address" },
        { ["sideways"], "tern bench: unknown scenario 'sideways' (one of fan-in, pairs, fan-out, latency, connections)" },
        { ["fan-in", "--protocol", "4.0"], "tern bench: --protocol must be 311 or 5, not '4.0'" },
    };

    [Theory]
    [MemberData(nameof(BadArguments))]
    public async Task A_bad_option_value_prints_one_line_and_exits_with_code_2(string[] arguments, string expected)
    {
        var result = await BenchProcess.RunAsync(arguments);

        Assert.True(result.ExitCode == 2, result.Transcript);
        Assert.Equal(expected, result.ErrorOutput);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task An_unknown_option_exits_with_code_2_and_names_the_option_first()
    {
        var result = await BenchProcess.RunAsync("fan-in", "--frobnicate");

        Assert.True(result.ExitCode == 2, result.Transcript);
        Assert.Contains("--frobnicate", result.ErrorOutput.Split('\n')[0], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fan-in", "--count", "10")]
    [InlineData("connections", "--connections", "20")] // its blocking connector threads report a refusal alike
    public async Task A_closed_port_exits_with_code_1_and_says_the_connection_was_refused(string scenario, string option, string value)
    {
        int port = FreePort.OnLoopback();

        var result = await BenchProcess.RunAsync(scenario, "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), option, value, "--json");

        Assert.True(result.ExitCode == 1, result.Transcript);
        Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"tern bench: cannot connect to 127.0.0.1:{port}: connection refused"), result.ErrorOutput);
        Assert.Empty(result.Output);
    }
}
