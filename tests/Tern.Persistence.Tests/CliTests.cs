namespace Tern.Persistence.Tests;

/// <summary><c>tern broker</c>'s storage options and its exit code for a store it cannot use.</summary>
public sealed class CliTests
{
    [Fact]
    public async Task Tern_broker_refuses_a_corrupt_database_with_one_clear_line_and_exit_code_3()
    {
        using var data = new DataDirectory();
        Directory.CreateDirectory(data.Path);
        await File.WriteAllTextAsync(data.DatabaseFile, new string('#', 10_000));

        var result = await BrokerProcess.RunAsync("--port", "0", "--data-dir", data.Path);

        Assert.Equal(3, result.ExitCode);
        Assert.Contains($"tern broker: the database '{data.DatabaseFile}' is not a SQLite database", result.ErrorOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(result.Output, l => l.StartsWith("listening", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Tern_broker_stores_its_state_in_the_data_directory_by_default()
    {
        using var data = new DataDirectory();
        var (process, _) = await BrokerProcess.StartAsync("--data-dir", data.Path);
        await using (process)
        {
            Assert.True(File.Exists(data.DatabaseFile));
            process.Kill();
        }
    }

    [Fact]
    public async Task Tern_broker_with_persistence_memory_writes_nothing()
    {
        using var data = new DataDirectory();
        var (process, _) = await BrokerProcess.StartAsync("--data-dir", data.Path, "--persistence", "memory");
        await using (process)
        {
            Assert.False(Directory.Exists(data.Path));
            process.Kill();
        }
    }

    [Fact]
    public async Task Tern_broker_rejects_an_unknown_persistence_mode_with_exit_code_2()
    {
        var result = await BrokerProcess.RunAsync("--port", "0", "--persistence", "disk");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("disk", result.ErrorOutput, StringComparison.Ordinal);
    }
}
