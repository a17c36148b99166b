using System.Text.RegularExpressions;
using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Cli.Tests;

/// <summary>
/// The openssl commands of docs/security.md and the complete tern.json of docs/configuration.md work as pasted:
/// the commands make the files, the broker starts with all four listeners, and mosquitto clients talk over mqtts
/// with the client certificate.
/// </summary>
public sealed partial class ListenerDocsExampleTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tern-docs-tls-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task The_documented_certificates_and_configuration_run_a_broker_with_four_listeners()
    {
        string root = RepositoryRoot();
        string commands = Block(File.ReadAllText(Path.Combine(root, "docs/security.md")), "### A test certificate authority with openssl", "sh");
        string json = Block(File.ReadAllText(Path.Combine(root, "docs/configuration.md")), "A complete `tern.json`", "json");
        await File.WriteAllTextAsync(Path.Combine(_directory, "make-certificates.sh"), "set -e\n" + commands);
        await File.WriteAllTextAsync(Path.Combine(_directory, "tern.json"), json);

        var made = await RunAsync("sh", "make-certificates.sh");
        Assert.True(made.ExitCode == 0, made.Transcript);

        // The documented ports are fixed; the test moves every listener to a free one (environment beats the file).
        var environment = Enumerable.Range(0, 4).ToDictionary(i => $"TERN_LISTENERS__{i}__PORT", _ => "0");
        environment["TERN_LISTENERS__1__BIND"] = "127.0.0.1";
        await using var broker = ChildProcess.Start("dotnet", [Path.Combine(AppContext.BaseDirectory, "tern.dll"), "broker", "--config", "tern.json"], environment, _directory);
        // Four listeners, two with TLS files to read: allow a machine busy with the other test projects more than usual.
        await broker.ExpectLineAsync(l => l.StartsWith("listening on wss://", StringComparison.Ordinal), "four listening lines", TernProcess.Timeout * 3);
        // The HTTP listener of metrics and the admin API prints its own line; the four MQTT listeners come in order.
        Assert.Equal(["mqtt", "mqtts", "ws", "wss"], broker.Output.Where(l => !l.StartsWith("listening on http://", StringComparison.Ordinal)).Select(l => ListeningLine().Match(l).Groups[1].Value));
        string mqtts = broker.Output[1];
        string port = mqtts[(mqtts.LastIndexOf(':') + 1)..];

        string[] tls = ["-h", "localhost", "-p", port, "--cafile", "ca.pem"];
        var accepted = await RunAsync(PeerCheck.MosquittoPub(), [.. tls, "--cert", "client.pem", "--key", "client.key", "-t", "test/tls", "-m", "hello", "-q", "1"]);
        Assert.True(accepted.ExitCode == 0, accepted.Transcript);
        var refused = await RunAsync(PeerCheck.MosquittoPub(), [.. tls, "-t", "test/tls", "-m", "refused"]);
        Assert.NotEqual(0, refused.ExitCode);
        broker.Kill();
    }

    [GeneratedRegex(@"^listening on (\w+)://")]
    private static partial Regex ListeningLine();

    private async Task<ProcessResult> RunAsync(string program, params string[] arguments)
    {
        await using var process = ChildProcess.Start(program, arguments, workingDirectory: _directory, mergeStandardError: true);
        int exitCode = await process.WaitForExitAsync(TernProcess.Timeout);
        return new ProcessResult(exitCode, process.Output, process.ErrorOutput, process.Transcript());
    }

    /// <summary>The first fenced block of <paramref name="language"/> after <paramref name="heading"/>.</summary>
    private static string Block(string markdown, string heading, string language)
    {
        int start = markdown.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"'{heading}' is not in the document");
        int fence = markdown.IndexOf("```" + language + "\n", start, StringComparison.Ordinal) + 4 + language.Length;
        int end = markdown.IndexOf("```", fence, StringComparison.Ordinal);
        return markdown[fence..end];
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "docs", "security.md")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("docs/security.md not found above " + AppContext.BaseDirectory);
    }
}
