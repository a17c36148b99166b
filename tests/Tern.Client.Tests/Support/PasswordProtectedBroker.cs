using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>
/// A broker of either kind that admits only user <c>alice</c> with password <c>alice-secret</c>: Mosquitto with a
/// <c>mosquitto_passwd</c> file, Tern with a <c>tern passwd -b</c> file in <c>Security.PasswordFile</c> and anonymous
/// access off (its listener is named <c>local</c>, which 5.0 reason strings name). The password file is deleted on dispose.
/// </summary>
public sealed class PasswordProtectedBroker : IAsyncDisposable
{
    public const string User = "alice";
    public const string Password = "alice-secret";

    private readonly DirectoryInfo? _directory;

    private PasswordProtectedBroker(IBrokerUnderTest broker, DirectoryInfo? directory)
    {
        Broker = broker;
        _directory = directory;
    }

    public IBrokerUnderTest Broker { get; }

    public static async Task<PasswordProtectedBroker> StartAsync(string broker, BrokerSettings settings)
    {
        if (broker == "mosquitto")
        {
            var mosquitto = await MosquittoBroker.StartAsync(settings);
            await mosquitto.RequirePasswordsAsync(new Dictionary<string, string> { [User] = Password });
            return new PasswordProtectedBroker(mosquitto, null);
        }

        Assert.Equal("tern", broker);
        var directory = Directory.CreateTempSubdirectory("tern-passwd-");
        string file = Path.Combine(directory.FullName, "passwd");

        // Made as a user would: `tern passwd -c -b FILE USER PASSWORD`.
        var passwd = await TernCli.RunAsync(null, "passwd", "-c", "-b", file, User, Password);
        Assert.True(passwd.ExitCode == 0, passwd.Transcript);
        var tern = await TernBroker.StartAsync(
            o =>
            {
                o.Security.PasswordFile = file;
                o.Security.AllowAnonymous = false;
                o.Listeners[0].Name = "local";
            },
            settings: settings);
        return new PasswordProtectedBroker(tern, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await Broker.DisposeAsync();
        _directory?.Delete(recursive: true);
    }
}
