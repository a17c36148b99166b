using System.Globalization;
using System.Runtime.InteropServices;
using Tern.TestKit;

namespace Tern.Cli.Tests;

/// <summary>
/// Which engine carries <c>tern broker</c>'s plain MQTT listener, as an operator sees it in the thread list
/// (<c>ps -T</c>, <c>/proc/PID/task/*/comm</c>): Tern's own epoll loop on Linux x86-64, the runtime's sockets with
/// <c>TERN_EPOLL=0</c> (docs/operations.md, "The socket engine"). Both serve clients.
/// </summary>
public sealed class SocketEngineTests
{
    private static bool EpollRunsHere => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    [Theory]
    [InlineData(null)]
    [InlineData("0")]
    public async Task The_broker_serves_on_its_epoll_threads_unless_TERN_EPOLL_is_0(string? ternEpoll)
    {
        var environment = ternEpoll is null ? null : new Dictionary<string, string> { ["TERN_EPOLL"] = ternEpoll };
        await using var process = TernProcess.Start(environment, "broker", "--port", "0", "--persistence", "memory", "--no-http");
        string line = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the listening line", TernProcess.Timeout);
        int port = int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);

        await using var client = await RawMqttConnection.ConnectAsync("127.0.0.1", port);
        await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'e1'");
        await client.ExpectAsync("20 02 00 00", TernProcess.Timeout);

        var threads = Directory.GetDirectories($"/proc/{process.Id}/task")
            .Select(task => File.ReadAllText(Path.Combine(task, "comm")).Trim())
            .ToList();
        bool expected = EpollRunsHere && ternEpoll is null;
        Assert.True(expected == threads.Contains("Tern epoll"), "threads: " + string.Join(", ", threads));
        Assert.Equal(expected, threads.Any(t => t.StartsWith("Tern accept", StringComparison.Ordinal)));
        process.Kill();
    }
}
