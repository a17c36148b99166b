using System.Globalization;
using Tern.TestKit.Processes;

namespace Tern.Persistence.Tests;

/// <summary><c>tern broker</c> as a child process on a free port, as an operator runs it.</summary>
internal static class BrokerProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    public static string TernDll => Path.Combine(AppContext.BaseDirectory, "tern.dll");

    public static async Task<(ChildProcess Process, int Port)> StartAsync(params string[] arguments)
    {
        var process = ChildProcess.Start("dotnet", [TernDll, "broker", "--port", "0", "--log-level", "Warning", .. arguments]);
        string line = await process.ExpectLineAsync(l => l.StartsWith("listening on mqtt://", StringComparison.Ordinal), "the listening line", Timeout);
        return (process, int.Parse(line[(line.LastIndexOf(':') + 1)..], CultureInfo.InvariantCulture));
    }

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [TernDll, "broker", .. arguments], Timeout);
}
