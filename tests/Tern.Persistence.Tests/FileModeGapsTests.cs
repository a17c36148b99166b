using System.Runtime.Versioning;

namespace Tern.Persistence.Tests;

/// <summary>RELIABILITY.md E14 (secrets at rest, CVE-2017-9868): the data directory is 0700 and the database files 0600.</summary>
[UnsupportedOSPlatform("windows")]
public sealed class FileModeGapsTests
{
    private const UnixFileMode OwnerOnlyDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_data_directory_is_created_0700_and_the_database_files_0600()
    {
        using var data = new DataDirectory();
        await using (var broker = await DurableBroker.StartAsync(data))
        {
            var (client, _) = await Client.ConnectAsync(broker, "modes", clean: false);
            await client.DisposeAsync();

            Assert.Equal(OwnerOnlyDirectory, File.GetUnixFileMode(data.Path));
            foreach (string file in Directory.GetFiles(data.Path))
            {
                Assert.True(File.GetUnixFileMode(file) == OwnerOnlyFile, $"{file} is {File.GetUnixFileMode(file)}");
            }

            Assert.Contains(data.DatabaseFile, Directory.GetFiles(data.Path));
            Assert.Contains(data.DatabaseFile + "-wal", Directory.GetFiles(data.Path));
        }
    }

    [Fact]
    public async Task A_database_file_left_world_readable_is_tightened_to_0600_when_the_broker_opens_it()
    {
        using var data = new DataDirectory();
        await using (await DurableBroker.StartAsync(data))
        {
        }

        File.SetUnixFileMode(data.DatabaseFile, OwnerOnlyFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        await using (await DurableBroker.StartAsync(data))
        {
            Assert.Equal(OwnerOnlyFile, File.GetUnixFileMode(data.DatabaseFile));
        }
    }
}
