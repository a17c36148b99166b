using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Cli.Tests;

/// <summary>
/// The socket transport at the process's file limit (EMFILE): a <c>tern broker</c> started under <c>prlimit --nofile</c>
/// so that the limit is reached with a few dozen connections, without touching the test machine's own limits.
/// </summary>
public sealed class SocketTransportFileLimitTests
{
    // CONNACK accepting a 3.1.1 CONNECT.
    private const string Connack = "20020000";

    [Fact]
    public async Task At_the_file_limit_the_broker_logs_once_keeps_serving_and_accepts_again_when_descriptors_free_up()
    {
        string tern = Path.Combine(AppContext.BaseDirectory, "tern.dll");
        await using var process = ChildProcess.Start(
            "prlimit",
            ["--nofile=200", "--", "dotnet", tern, "broker", "--port", "0", "--no-http", "--persistence", "memory"],
            mergeStandardError: true);
        string listening = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://127.0.0.1:", StringComparison.Ordinal), "the listening line", TernProcess.Timeout);
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        // One whole exchange first: at the limit the runtime cannot open an assembly file either, so the code of the
        // paths used below must already be loaded (how many descriptors the runtime holds varies from run to run).
        await using (var warm = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "warm"))
        {
            await warm.SendAsync(ConnectHex("warm"));
            await warm.ExpectAsync(Connack, TernProcess.Timeout);
            await warm.SendAsync("C000");
            await warm.ExpectAsync("D000", TernProcess.Timeout);
            await warm.SendAsync("E000");
        }

        // The runtime holds about 115 descriptors: at most 200 connections certainly pass the limit of 200.
        var clients = new List<RawMqttConnection>();
        try
        {
            for (int i = 0; i < 200 && !process.Output.Any(l => l.Contains("cannot accept connections", StringComparison.Ordinal)); i++)
            {
                var client = await RawMqttConnection.ConnectAsync("127.0.0.1", port, $"c{i}");
                clients.Add(client);
                await client.SendAsync(ConnectHex($"c{i:000}"));
            }

            string failing = await process.ExpectLineAsync(l => l.Contains("cannot accept connections", StringComparison.Ordinal), "the accept failure (event 3010)", TernProcess.Timeout);
            Assert.Contains("Too many open files", failing, StringComparison.OrdinalIgnoreCase);

            // A connection accepted before the limit is still served.
            await clients[0].SendAsync("C000");
            await clients[0].ExpectAsync(Connack, TernProcess.Timeout);
            await clients[0].ExpectAsync("D000", TernProcess.Timeout);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // Descriptors free up as the broker processes the closes: the back-off ends and a new client is served. While the
        // broker is still at the limit a connection may be dropped, so the client retries (bounded: 50 tries in ~10 s).
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; attempt++)
        {
            RawMqttConnection later;
            try
            {
                later = await RawMqttConnection.ConnectAsync("127.0.0.1", port, $"later{attempt}");
            }
            catch (ExpectationFailedException e)
            {
                File.WriteAllLines("/tmp/fl-broker-out.txt", process.Output);
                throw new ExpectationFailedException(e.Message + "\n" + string.Join('\n', process.Output.TakeLast(40)));
            }

            await using var laterScope = later;
            await later.SendAsync(ConnectHex("late"));
            try
            {
                await later.ExpectAsync(Connack, TernProcess.Timeout);
                served = true;
            }
            catch (ExpectationFailedException)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(served, "no client was served after the descriptors were freed");
        await process.ExpectLineAsync(l => l.Contains("accepts connections again", StringComparison.Ordinal), "the recovery (event 3011)", TernProcess.Timeout);
        Assert.Single(process.Output, l => l.Contains("cannot accept connections", StringComparison.Ordinal));
    }

    // CONNECT 3.1.1, clean session, keep alive 60, with a four-character client id (each client its own: no takeover).
    private static string ConnectHex(string clientId) =>
        "101000044D5154540402003C0004" + Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(clientId));
}
