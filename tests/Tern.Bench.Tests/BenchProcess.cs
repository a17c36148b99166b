using System.Text.Json;
using Tern.TestKit.Processes;

namespace Tern.Bench.Tests;

/// <summary>Runs <c>tern bench</c> as a process, as a user would, from the tern.dll built beside the tests.</summary>
internal static class BenchProcess
{
    /// <summary>Every run here is a few hundred messages; a minute is room for a loaded CI machine.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private static string TernDll => Path.Combine(AppContext.BaseDirectory, "tern.dll");

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [TernDll, "bench", .. arguments], Timeout);

    /// <summary>Runs with <c>--json</c>, expects exit code 0 and exactly one line on standard output, and parses it.</summary>
    public static async Task<JsonElement> RunJsonAsync(params string[] arguments)
    {
        var result = await RunAsync([.. arguments, "--json"]);
        Assert.True(result.ExitCode == 0, $"tern bench failed.\n{result.Transcript}");
        Assert.True(result.Output.Count == 1, $"expected one JSON line.\n{result.Transcript}");
        using var document = JsonDocument.Parse(result.Output[0]);
        return document.RootElement.Clone();
    }

    public static long Long(this JsonElement json, string name) => json.GetProperty(name).GetInt64();

    public static double Double(this JsonElement json, string name) => json.GetProperty(name).GetDouble();
}
