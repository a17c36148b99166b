using Tern.TestKit.Processes;

namespace Tern.Cli.Tests;

/// <summary>Runs the built <c>tern</c> command as a child process, as a user would.</summary>
internal static class TernProcess
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    private static string TernDll => Path.Combine(AppContext.BaseDirectory, "tern.dll");

    public static ChildProcess Start(IReadOnlyDictionary<string, string>? environment, params string[] arguments) =>
        ChildProcess.Start("dotnet", [TernDll, .. arguments], environment);

    public static Task<ProcessResult> RunAsync(params string[] arguments) =>
        ChildProcess.RunAsync("dotnet", [TernDll, .. arguments], Timeout);

    /// <summary>Sends a POSIX signal (TERM, INT) to a process, with kill(1).</summary>
    public static async Task SignalAsync(int pid, string signal)
    {
        var result = await ChildProcess.RunAsync("kill", ["-" + signal, pid.ToString(System.Globalization.CultureInfo.InvariantCulture)], Timeout);
        Assert.Equal(0, result.ExitCode);
    }
}
