using Tern.Broker;

namespace Tern.Cli.Tests;

/// <summary><c>tern broker --check-config</c> and the fail-closed start with bad security files, as processes.</summary>
public sealed class CheckConfigTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"tern-check-{Guid.NewGuid():N}");

    public CheckConfigTests() => Directory.CreateDirectory(_directory);

    private string Passwd => Path.Combine(_directory, "passwd");

    private string Acl => Path.Combine(_directory, "acl");

    private string Json => Path.Combine(_directory, "tern.json");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task A_good_configuration_prints_configuration_ok_and_exits_0_without_listening()
    {
        await File.WriteAllTextAsync(Passwd, PasswordFile.CreateEntry("alice", "pw"u8, PasswordFile.MinimumIterations, PasswordFile.MinimumIterations) + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(Passwd, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        await File.WriteAllTextAsync(Acl, "user alice\ntopic readwrite a/#\n");
        await WriteJsonAsync($$"""{ "Listeners": [ { "Bind": "0.0.0.0", "Port": 1 } ], "Security": { "PasswordFile": "{{Passwd}}", "AclFile": "{{Acl}}" } }""");

        var result = await TernProcess.RunAsync("broker", "--check-config", Json);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["configuration ok"], result.Output);
        Assert.DoesNotContain(result.Output, l => l.StartsWith("listening", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Each_problem_is_printed_on_its_own_line_with_file_and_line_and_the_exit_code_is_2()
    {
        await File.WriteAllTextAsync(Passwd, "alice\n");
        await File.WriteAllTextAsync(Acl, "user alice\ntopic sometimes a/#\n");
        await WriteJsonAsync($$"""{ "MaxQueuedMessages": 0, "Security": { "PasswordFile": "{{Passwd}}", "AclFile": "{{Acl}}" } }""");

        var result = await TernProcess.RunAsync("broker", "--check-config", Json);

        Assert.Equal(2, result.ExitCode);
        var lines = result.ErrorOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Contains(lines, l => l.StartsWith("tern broker: invalid configuration: ", StringComparison.Ordinal) && l.Contains("MaxQueuedMessages", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"tern broker: {Passwd} line 1: ", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith($"tern broker: {Acl} line 2: ", StringComparison.Ordinal));
        Assert.DoesNotContain("configuration ok", result.Output);
    }

    [Fact]
    public async Task A_misspelt_key_is_a_problem()
    {
        await WriteJsonAsync("""{ "Security": { "AllowAnonymus": true } }""");

        var result = await TernProcess.RunAsync("broker", "--check-config", Json);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("AllowAnonymus", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configuration_that_refuses_every_client_is_ok_with_a_warning()
    {
        await WriteJsonAsync("""{ "Listeners": [ { "Bind": "0.0.0.0", "Port": 1 } ] }""");

        var result = await TernProcess.RunAsync("broker", "--check-config", Json);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Output, l => l.StartsWith("warning: no password file, and anonymous clients are refused on every listener", StringComparison.Ordinal));
        Assert.Equal("configuration ok", result.Output[^1]);
    }

    [Fact]
    public async Task A_broker_with_a_malformed_ACL_file_refuses_to_start_with_one_line_and_exit_code_2()
    {
        await File.WriteAllTextAsync(Acl, "topic read a/#\npattern read a/%x\n");
        await WriteJsonAsync($$"""{ "Listeners": [ { "Port": 0 } ], "Security": { "AclFile": "{{Acl}}" } }""");

        var result = await TernProcess.RunAsync("broker", "--config", Json);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith($"tern broker: {Acl} line 2: ", result.ErrorOutput, StringComparison.Ordinal);
        Assert.Single(result.ErrorOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    private Task WriteJsonAsync(string json) => File.WriteAllTextAsync(Json, json);
}
