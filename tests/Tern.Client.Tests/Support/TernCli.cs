using System.Diagnostics;
using System.Reflection;
using System.Text;
using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Client.Tests.Support;

/// <summary>Runs the built <c>tern</c> command (<c>dotnet tern.dll ...</c>) as a child process.</summary>
internal static class TernCli
{
    public static string Dll { get; } = typeof(TernCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "TernDll").Value!;

    public static string Dotnet => PeerCheck.Executable("dotnet", "/usr/bin/dotnet", "the .NET SDK");

    /// <summary>Starts <c>tern</c> with <paramref name="arguments"/>; the test reads its lines.</summary>
    public static ChildProcess Start(params string[] arguments) => ChildProcess.Start(Dotnet, [Dll, .. arguments]);

    /// <summary>Runs <c>tern</c> to its end with <paramref name="input"/> on standard input (then closed).</summary>
    public static async Task<ProcessResult> RunAsync(string? input, params string[] arguments)
    {
        var info = new ProcessStartInfo(Dotnet)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        info.ArgumentList.Add(Dll);
        foreach (string argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new ExpectationFailedException("cannot start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        try
        {
            await process.WaitForExitAsync().WaitAsync(Timeouts.Process);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new ExpectationFailedException($"tern {string.Join(' ', arguments)} still ran after {Timeouts.Process.TotalSeconds} s.\n{await error}");
        }

        string stdout = await output, stderr = await error;
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return new ProcessResult(process.ExitCode, lines, stderr.TrimEnd('\n'), $"$ tern {string.Join(' ', arguments)}\nexit {process.ExitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}");
    }
}
