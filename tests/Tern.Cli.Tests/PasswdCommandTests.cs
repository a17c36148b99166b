using System.Text;
using Tern.Broker;

namespace Tern.Cli.Tests;

/// <summary><c>tern passwd</c> run as a process, checked with <see cref="PasswordFile"/> (docs/security.md).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PasswdCommandTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tern-passwd-").FullName;

    private string FilePath => Path.Combine(_directory, "passwd");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Create_in_batch_mode_writes_a_file_only_its_owner_can_read_that_verifies_the_password()
    {
        var result = await TernProcess.RunAsync("passwd", "-c", "-b", FilePath, "alice", "wonderland");

        Assert.True(result.ExitCode == 0, result.Transcript);
        Assert.Empty(result.Output);
        var file = PasswordFile.Load(FilePath);
        Assert.True(file.Verify("alice", "wonderland"u8));
        Assert.False(file.Verify("alice", "wonderland2"u8));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
        Assert.Equal(["passwd"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_password_typed_twice_on_standard_input_adds_a_user_and_keeps_the_others()
    {
        await CreateAsync("alice", "wonderland");

        await using var process = TernProcess.Start(null, "passwd", FilePath, "bob");
        await process.WriteLineAsync("builder pass");
        await process.WriteLineAsync("builder pass");
        int exitCode = await process.WaitForExitAsync(TernProcess.Timeout);

        Assert.True(exitCode == 0, process.Transcript());
        var file = PasswordFile.Load(FilePath);
        Assert.True(file.Verify("bob", "builder pass"u8));
        Assert.True(file.Verify("alice", "wonderland"u8));
        Assert.DoesNotContain("builder", process.Transcript(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Passwords_that_differ_change_nothing_and_exit_with_code_2()
    {
        await CreateAsync("alice", "wonderland");
        var before = await File.ReadAllBytesAsync(FilePath);

        await using var process = TernProcess.Start(null, "passwd", FilePath, "alice");
        await process.WriteLineAsync("first");
        await process.WriteLineAsync("second");
        int exitCode = await process.WaitForExitAsync(TernProcess.Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("tern passwd: the passwords do not match", process.ErrorOutput, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(FilePath));
    }

    [Fact]
    public async Task Changing_a_password_replaces_the_users_line_and_keeps_comments_and_order()
    {
        string alice = PasswordFile.CreateEntry("alice", "old"u8, PasswordFile.MinimumIterations, PasswordFile.MinimumIterations);
        string bob = PasswordFile.CreateEntry("bob", "builder"u8, PasswordFile.MinimumIterations, PasswordFile.MinimumIterations);
        await File.WriteAllTextAsync(FilePath, $"# staff\n{alice}\n\n{bob}\n");

        var result = await TernProcess.RunAsync("passwd", "-b", FilePath, "alice", "new");

        Assert.True(result.ExitCode == 0, result.Transcript);
        var lines = await File.ReadAllLinesAsync(FilePath);
        Assert.Equal(4, lines.Length);
        Assert.Equal("# staff", lines[0]);
        Assert.StartsWith("alice:$tern-pbkdf2$", lines[1], StringComparison.Ordinal);
        Assert.Equal(string.Empty, lines[2]);
        Assert.Equal(bob, lines[3]);
        var file = PasswordFile.Load(FilePath);
        Assert.True(file.Verify("alice", "new"u8));
        Assert.False(file.Verify("alice", "old"u8));
    }

    [Fact]
    public async Task Delete_removes_the_user_and_keeps_the_others()
    {
        await CreateAsync("alice", "wonderland");
        await TernProcess.RunAsync("passwd", "-b", FilePath, "bob", "builder");

        var result = await TernProcess.RunAsync("passwd", "-D", FilePath, "alice");

        Assert.True(result.ExitCode == 0, result.Transcript);
        var file = PasswordFile.Load(FilePath);
        Assert.False(file.Contains("alice"));
        Assert.True(file.Verify("bob", "builder"u8));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(FilePath));
    }

    [Fact]
    public async Task Deleting_a_user_that_is_not_there_exits_with_code_1()
    {
        await CreateAsync("alice", "wonderland");

        var result = await TernProcess.RunAsync("passwd", "-D", FilePath, "bob");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tern passwd: user 'bob' is not in {FilePath}", result.ErrorOutput);
    }

    [Fact]
    public async Task Create_overwrites_an_existing_file()
    {
        await CreateAsync("alice", "wonderland");

        await CreateAsync("bob", "builder");

        var file = PasswordFile.Load(FilePath);
        Assert.Equal(["bob"], file.UserNames);
    }

    public static TheoryData<string[], string> BadUsage() => new()
    {
        { ["passwd"], "tern: " },
        { ["passwd", "FILE"], "tern: " },
        { ["passwd", "--nope", "FILE", "alice"], "tern passwd: unknown option '--nope'" },
        { ["passwd", "-b", "FILE", "alice"], "tern passwd: -b needs the password after the user name" },
        { ["passwd", "FILE", "alice", "secret"], "tern passwd: a password on the command line needs -b" },
        { ["passwd", "-D", "-b", "FILE", "alice", "secret"], "tern passwd: -D cannot be combined with -c or -b" },
        { ["passwd", "-c", "-D", "FILE", "alice"], "tern passwd: -D cannot be combined with -c or -b" },
        { ["passwd", "-c", "-b", "FILE", "al:ice", "secret"], "tern passwd: a user name may not contain ':'" },
        { ["passwd", "-c", "-b", "FILE", "", "secret"], "tern passwd: the user name is empty" },
        { ["passwd", "-c", "-b", "FILE", "#alice", "secret"], "tern passwd: a user name may not start with '#'" },
        { ["passwd", "-c", "-b", "FILE", "alice", ""], "tern passwd: empty passwords are not allowed" },
    };

    [Theory]
    [MemberData(nameof(BadUsage))]
    public async Task Bad_usage_exits_with_code_2_and_writes_nothing(string[] arguments, string expected)
    {
        var result = await TernProcess.RunAsync([.. arguments.Select(a => a == "FILE" ? FilePath : a)]);

        Assert.True(result.ExitCode == 2, result.Transcript);
        Assert.StartsWith(expected, result.ErrorOutput, StringComparison.Ordinal);
        Assert.False(File.Exists(FilePath));
        Assert.DoesNotContain("secret", result.ErrorOutput, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public async Task A_missing_file_without_create_exits_with_code_1()
    {
        var result = await TernProcess.RunAsync("passwd", "-b", FilePath, "alice", "wonderland");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tern passwd: {FilePath} does not exist (use -c to create it)", result.ErrorOutput);
    }

    [Fact]
    public async Task A_file_that_cannot_be_written_exits_with_code_1_and_one_line()
    {
        string path = Path.Combine(_directory, "no", "such", "dir", "passwd");

        var result = await TernProcess.RunAsync("passwd", "-c", "-b", path, "alice", "wonderland");

        Assert.Equal(1, result.ExitCode);
        Assert.StartsWith($"tern passwd: cannot write {path}: ", result.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', result.ErrorOutput);
        Assert.DoesNotContain("wonderland", result.ErrorOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_file_is_not_rewritten()
    {
        await File.WriteAllTextAsync(FilePath, "# users\nalice\n");

        var result = await TernProcess.RunAsync("passwd", "-b", FilePath, "bob", "builder");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"tern passwd: {FilePath} line 2: no ':' between the user name and the password hash", result.ErrorOutput);
        Assert.Equal("# users\nalice\n", await File.ReadAllTextAsync(FilePath));
        Assert.Equal(["passwd"], Directory.GetFiles(_directory).Select(Path.GetFileName));
    }

    [Fact]
    public async Task The_written_file_is_utf8_with_lf_line_endings()
    {
        var result = await TernProcess.RunAsync("passwd", "-c", "-b", FilePath, "émile", "pâté");

        Assert.True(result.ExitCode == 0, result.Transcript);
        var bytes = await File.ReadAllBytesAsync(FilePath);
        Assert.StartsWith("émile:$tern-pbkdf2$", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.DoesNotContain((byte)'\r', bytes);
        Assert.True(PasswordFile.Load(FilePath).Verify("émile", "pâté"u8));
    }

    private async Task CreateAsync(string user, string password)
    {
        var result = await TernProcess.RunAsync("passwd", "-c", "-b", FilePath, user, password);
        Assert.True(result.ExitCode == 0, result.Transcript);
    }
}
