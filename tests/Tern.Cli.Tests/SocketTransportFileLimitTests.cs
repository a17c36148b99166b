using System.Globalization;
using System.Text.RegularExpressions;
using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Cli.Tests;

/// <summary>
/// The broker at the process's file limit: a <c>tern broker</c> started under <c>prlimit --nofile=400</c>, so that the
/// limit is reached with a few hundred connections without touching the test machine's own limits. Before the broker kept
/// a reserve of descriptors, connection churn at the limit killed it in about one run of two: the runtime could not
/// create a thread and aborted with "Out of memory.".
/// </summary>
public sealed partial class SocketTransportFileLimitTests
{
    // CONNACK accepting a 3.1.1 CONNECT.
    private const string Connack = "20020000";

    [Fact]
    public async Task At_the_file_limit_the_broker_closes_new_connections_at_accept_survives_churn_and_serves_again()
    {
        string tern = Path.Combine(AppContext.BaseDirectory, "tern.dll");
        await using var process = ChildProcess.Start(
            "prlimit",
            ["--nofile=400", "--", "dotnet", tern, "broker", "--port", "0", "--no-http", "--persistence", "memory"],
            mergeStandardError: true);
        try
        {
            await RunAsync(process);
        }
        catch (Exception e) when (e is not ExpectationFailedException)
        {
            throw new ExpectationFailedException(e.Message + "\n" + process.Transcript(), e);
        }
    }

    private static async Task RunAsync(ChildProcess process)
    {
        string budgetLine = await process.ExpectLineAsync(l => l.Contains("[5011]", StringComparison.Ordinal), "the file-limit budget (event 5011)", TernProcess.Timeout);
        string listening = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://127.0.0.1:", StringComparison.Ordinal), "the listening line", TernProcess.Timeout);
        int port = int.Parse(listening[(listening.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture);
        int budget = int.Parse(BudgetPattern().Match(budgetLine).Groups[1].Value, CultureInfo.InvariantCulture);

        // 400 descriptors, about 150 held by the runtime (two per loaded assembly) and the listeners, 64 kept free.
        Assert.InRange(budget, 1, 400 - 64);
        Assert.Contains("ulimit -n 400", budgetLine, StringComparison.Ordinal);

        var clients = new List<RawMqttConnection>();
        try
        {
            // Up to the budget every connection is served.
            for (int i = 0; i < budget; i++)
            {
                var client = await RawMqttConnection.ConnectAsync("127.0.0.1", port, $"c{i}");
                clients.Add(client);
                await client.SendAsync(ConnectHex($"c{i:000}"));
                await client.ExpectAsync(Connack, TernProcess.Timeout);
            }

            // One more is closed at accept, before any MQTT byte is read, and the episode is logged once.
            await using (var refused = await RawMqttConnection.ConnectAsync("127.0.0.1", port, "refused"))
            {
                await refused.ExpectClosedAsync(TernProcess.Timeout);
            }

            await process.ExpectLineAsync(l => l.Contains("[5012]", StringComparison.Ordinal), "the budget reached (event 5012)", TernProcess.Timeout);

            // Churn at the limit (what used to kill the process): bounded at 600 connection attempts. Each attempt
            // connects, sends CONNECT and closes without waiting; every fourth frees a served connection and takes
            // its place, so the broker keeps accepting, refusing and closing at the edge of its descriptors.
            for (int attempt = 0; attempt < 600 && !process.HasExited; attempt++)
            {
                if (attempt % 4 == 0)
                {
                    await clients[^1].DisposeAsync();
                    clients.RemoveAt(clients.Count - 1);
                }

                RawMqttConnection churn;
                try
                {
                    churn = await RawMqttConnection.ConnectAsync("127.0.0.1", port, $"churn{attempt}");
                }
                catch (ExpectationFailedException)
                {
                    continue; // Refused or reset while the broker sits at its budget: the client's problem, not the broker's.
                }

                await using (churn)
                {
                    try
                    {
                        await churn.SendAsync(ConnectHex($"h{attempt % 1000:000}"));
                    }
                    catch (Exception e) when (e is System.Net.Sockets.SocketException or IOException or ExpectationFailedException)
                    {
                        // Closed at accept before the CONNECT went out.
                    }
                }
            }

            Assert.False(process.HasExited, "the broker died during churn at the file limit");

            // A connection accepted before the limit is still served.
            await clients[0].ExpectAliveAsync(TernProcess.Timeout);
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        // With the connections closed, a new client is served again. The closes reach the broker asynchronously: retry a
        // refused attempt (bounded: 50 tries, each waiting for the close or the CONNACK, not a fixed time).
        bool served = false;
        for (int attempt = 0; attempt < 50 && !served; attempt++)
        {
            await using var later = await RawMqttConnection.ConnectAsync("127.0.0.1", port, $"later{attempt}");
            await later.SendAsync(ConnectHex("late"));
            try
            {
                await later.ExpectAsync(Connack, TernProcess.Timeout);
                served = true;
            }
            catch (ExpectationFailedException)
            {
                // Closed at accept: an earlier close was not processed yet.
            }
        }

        Assert.True(served, "no client was served after the connections were closed");
        Assert.False(process.HasExited);
        Assert.DoesNotContain(process.Output, l => l.Contains("Out of memory", StringComparison.Ordinal));
    }

    // CONNECT 3.1.1, clean session, keep alive 60, with a four-character client id (each client its own: no takeover).
    private static string ConnectHex(string clientId) =>
        "101000044D5154540402003C0004" + Convert.ToHexString(System.Text.Encoding.ASCII.GetBytes(clientId));

    [GeneratedRegex(@"allows (\d+) connections")]
    private static partial Regex BudgetPattern();
}
