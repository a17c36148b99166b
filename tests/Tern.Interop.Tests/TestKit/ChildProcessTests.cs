using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Interop.Tests.TestKit;

public sealed class ChildProcessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_line_written_to_standard_input_comes_back_from_cat()
    {
        await using var cat = ChildProcess.Start("/bin/cat", []);

        await cat.WriteLineAsync("hello peer");

        Assert.Equal("hello peer", await cat.ReadLineAsync(Timeout));
    }

    [Fact]
    public async Task Waiting_for_a_line_that_never_comes_fails_with_what_the_process_printed()
    {
        await using var shell = ChildProcess.Start("/bin/sh", ["-c", "echo one; echo oops >&2"]);

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => shell.ExpectLineAsync("two", Timeout));

        Assert.Contains("output ended", failure.Message, StringComparison.Ordinal);
        Assert.Contains("  one", failure.Message, StringComparison.Ordinal);
        Assert.Contains("  oops", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_run_to_its_end_reports_its_exit_code_and_lines()
    {
        var result = await ChildProcess.RunAsync("/bin/sh", ["-c", "echo a; echo b; exit 3"], Timeout);

        Assert.Equal(3, result.ExitCode);
        Assert.Equal(["a", "b"], result.Output);
    }

    [Fact]
    public async Task A_killed_process_ends()
    {
        await using var cat = ChildProcess.Start("/bin/cat", []);

        cat.Kill();

        Assert.NotEqual(0, await cat.WaitForExitAsync(Timeout));
    }

    [Fact]
    public void Starting_a_program_that_does_not_exist_fails_with_the_install_hint()
    {
        var failure = Assert.Throws<ExpectationFailedException>(() => ChildProcess.Start("/nonexistent/peer", []));

        Assert.Contains(".ci/install-peers", failure.Message, StringComparison.Ordinal);
    }
}
