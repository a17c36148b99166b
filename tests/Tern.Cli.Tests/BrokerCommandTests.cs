using System.Globalization;
using Tern.TestKit;

namespace Tern.Cli.Tests;

public class BrokerCommandTests
{
    private static async Task<(Tern.TestKit.Processes.ChildProcess Process, int Port)> StartBrokerAsync(IReadOnlyDictionary<string, string>? environment = null, params string[] arguments)
    {
        // In memory: these tests are about the command, not about storage (tests/Tern.Persistence.Tests), and leave no files.
        var process = TernProcess.Start(environment, ["broker", "--persistence", "memory", .. arguments]);
        string line = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the listening line", TernProcess.Timeout);
        int port = int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        return (process, port);
    }

    [Fact]
    public async Task Broker_with_port_0_prints_the_real_port_and_serves_mqtt_there()
    {
        var (process, port) = await StartBrokerAsync(null, "--port", "0");
        await using (process)
        {
            await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", port);
            await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'c1'");
            await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);
            process.Kill();
        }
    }

    [Theory]
    [InlineData("TERM")]
    [InlineData("INT")]
    public async Task A_stop_signal_disconnects_50_clients_with_0x8B_and_exits_with_code_0(string signal)
    {
        var (process, port) = await StartBrokerAsync(null, "--port", "0");
        await using (process)
        {
            await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", port);
            await client.SendAsync("10 0F 00 04 'MQTT' 05 02 00 3C 00 00 02 'c5'");
            await client.ReadPacketAsync(TernProcess.Timeout);

            await TernProcess.SignalAsync(process.Id, signal);

            await client.ExpectAsync("E0 01 8B", TernProcess.Timeout);
            Assert.Equal(0, await process.WaitForExitAsync(TernProcess.Timeout));
        }
    }

    [Fact]
    public async Task The_bind_option_chooses_the_address()
    {
        var (process, _) = await StartBrokerAsync(null, "--port", "0", "--bind", "127.0.0.2");
        await using (process)
        {
            Assert.Contains(process.Output, l => l.StartsWith("listening on mqtt://127.0.0.2:", StringComparison.Ordinal));
            process.Kill();
        }
    }

    [Fact]
    public async Task A_configuration_file_sets_the_listeners_and_the_command_line_overrides_it()
    {
        string file = Path.Combine(Path.GetTempPath(), $"tern-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, """{ "Listeners": [ { "Bind": "127.0.0.3", "Port": 0 } ], "MaxQueuedMessages": 10 }""");
        try
        {
            var (process, _) = await StartBrokerAsync(null, "--config", file, "--bind", "127.0.0.4");
            await using (process)
            {
                Assert.Contains(process.Output, l => l.StartsWith("listening on mqtt://127.0.0.4:", StringComparison.Ordinal));
                process.Kill();
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task An_environment_variable_overrides_the_file()
    {
        var environment = new Dictionary<string, string> { ["TERN_LISTENERS__0__BIND"] = "127.0.0.5", ["TERN_LISTENERS__0__PORT"] = "0" };
        var (process, _) = await StartBrokerAsync(environment);
        await using (process)
        {
            Assert.Contains(process.Output, l => l.StartsWith("listening on mqtt://127.0.0.5:", StringComparison.Ordinal));
            process.Kill();
        }
    }

    [Theory]
    [InlineData("--port", "abc")]
    [InlineData("--port", "70000")]
    [InlineData("--bind", "not-an-address")]
    [InlineData("--no-such-option")]
    [InlineData("--config", "/nonexistent/tern.json")]
    public async Task A_bad_option_prints_one_clear_line_and_exits_with_code_2(params string[] arguments)
    {
        var result = await TernProcess.RunAsync(["broker", .. arguments]);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("tern", result.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Output, l => l.StartsWith("listening", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{ \"MaxQueuedMessages\": ", "cannot read configuration file")]
    [InlineData("{ \"MaxQueuedMesages\": 10 }", "MaxQueuedMesages")]
    [InlineData("{ \"MaxQueuedMessages\": \"many\" }", "invalid configuration")]
    [InlineData("{ \"MaxQueuedMessages\": 0 }", "MaxQueuedMessages")]
    public async Task A_bad_configuration_file_is_refused_with_a_message_naming_the_problem(string json, string expected)
    {
        string file = Path.Combine(Path.GetTempPath(), $"tern-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, json);
        try
        {
            var result = await TernProcess.RunAsync("broker", "--config", file, "--port", "0");

            Assert.Equal(2, result.ExitCode);
            Assert.Contains(expected, result.ErrorOutput, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task A_port_already_in_use_is_reported_with_exit_code_1()
    {
        var (first, port) = await StartBrokerAsync(null, "--port", "0");
        await using (first)
        {
            var result = await TernProcess.RunAsync("broker", "--persistence", "memory", "--port", port.ToString(CultureInfo.InvariantCulture));

            Assert.Equal(1, result.ExitCode);
            Assert.Contains("cannot listen", result.ErrorOutput, StringComparison.Ordinal);
            first.Kill();
        }
    }
}
