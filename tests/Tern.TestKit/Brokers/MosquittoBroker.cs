using System.Globalization;
using System.Net.Sockets;
using Tern.TestKit.Processes;

namespace Tern.TestKit;

/// <summary>
/// Eclipse Mosquitto, the reference broker: <c>mosquitto -c &lt;temporary configuration&gt;</c> with one listener on a
/// free loopback port, anonymous access, and persistence only when asked. Its log (all types) is
/// kept for failure messages. Disposing kills it and deletes its temporary directory.
/// </summary>
public sealed class MosquittoBroker : IBrokerUnderTest
{
    private const int Attempts = 5;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);

    private readonly BrokerSettings _settings;
    private readonly DirectoryInfo _directory;
    private readonly List<string> _previousLogs = [];
    private ChildProcess _process;

    private MosquittoBroker(BrokerSettings settings, DirectoryInfo directory, ChildProcess process, int port)
    {
        _settings = settings;
        _directory = directory;
        _process = process;
        Port = port;
    }

    /// <inheritdoc/>
    public string Name => "mosquitto";

    /// <inheritdoc/>
    public string Host => "127.0.0.1";

    /// <inheritdoc/>
    public int Port { get; }

    /// <summary>
    /// Mosquitto 2.0 checks keep alives coarsely: measured on loopback, a silent client with keep alive 1 s or 2 s
    /// was closed 4.2 to 5.9 s after its CONNACK, where the specification says 1.5 or 3 s.
    /// </summary>
    public TimeSpan KeepAliveSlack => TimeSpan.FromSeconds(8);

    /// <summary>The configuration file mosquitto runs with.</summary>
    public string ConfigurationPath => Path.Combine(_directory.FullName, "mosquitto.conf");

    /// <inheritdoc/>
    public string Log => string.Join('\n', _previousLogs.Append(string.Join('\n', _process.Output)));

    /// <summary>Starts mosquitto on a free loopback port and returns once it accepts TCP connections.</summary>
    /// <exception cref="ExpectationFailedException">mosquitto is not installed, or did not start.</exception>
    public static async Task<MosquittoBroker> StartAsync(BrokerSettings? settings = null, CancellationToken cancellationToken = default)
    {
        settings ??= BrokerSettings.Default;
        string executable = PeerCheck.Mosquitto();
        var directory = Directory.CreateTempSubdirectory("tern-mosquitto-");
        try
        {
            // The port is free when chosen but may be taken before mosquitto binds it: then choose again.
            string failures = string.Empty;
            for (int attempt = 1; attempt <= Attempts; attempt++)
            {
                int port = FreePort.OnLoopback();
                File.WriteAllText(Path.Combine(directory.FullName, "mosquitto.conf"), Configuration(port, settings, directory.FullName));
                var process = await LaunchAsync(executable, directory.FullName, port, cancellationToken).ConfigureAwait(false);
                if (process is not null)
                {
                    return new MosquittoBroker(settings, directory, process, port);
                }

                failures += string.Create(CultureInfo.InvariantCulture, $"attempt {attempt}: port {port} was taken\n");
            }

            throw new ExpectationFailedException($"mosquitto found no free port in {Attempts} attempts:\n{failures}");
        }
        catch
        {
            directory.Delete(recursive: true);
            throw;
        }
    }

    /// <summary>Waits until mosquitto writes a log line that <paramref name="match"/> accepts (its log is read asynchronously: a line may arrive after the packet that caused it).</summary>
    public Task<string> ExpectLogLineAsync(Func<string, bool> match, string description, TimeSpan timeout) =>
        _process.ExpectLineAsync(match, description, timeout);

    /// <summary>
    /// Stops mosquitto the polite way (SIGTERM, so a persistent broker saves its database) and starts it again with the
    /// same configuration and port: what a test of durable sessions needs.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await StopGracefullyAsync().ConfigureAwait(false);
        _previousLogs.Add(string.Join('\n', _process.Output));
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = await LaunchAsync(PeerCheck.Mosquitto(), _directory.FullName, Port, cancellationToken).ConfigureAwait(false)
            ?? throw new ExpectationFailedException(
                string.Create(CultureInfo.InvariantCulture, $"mosquitto could not bind port {Port} again after a restart.\n{Log}"));
    }

    /// <summary>
    /// Appends <paramref name="lines"/> to the configuration (later settings override earlier ones, extra
    /// <c>listener</c> blocks add listeners) and restarts mosquitto on the same port with it.
    /// </summary>
    public async Task AddConfigurationAsync(string lines, CancellationToken cancellationToken = default)
    {
        await File.AppendAllTextAsync(ConfigurationPath, "\n" + lines + "\n", cancellationToken).ConfigureAwait(false);
        await RestartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Turns anonymous access off and admits only <paramref name="users"/> (user name, password), written with
    /// <c>mosquitto_passwd -b</c> into a password file; restarts mosquitto with it. A client with no or wrong
    /// credentials is then refused with CONNACK 5 (3.1.1) or 0x87 Not authorized (5.0).
    /// </summary>
    public async Task RequirePasswordsAsync(IReadOnlyDictionary<string, string> users, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(users);
        string executable = PeerCheck.Executable("mosquitto_passwd", "/usr/bin/mosquitto_passwd", "the Debian package mosquitto");
        string file = Path.Combine(_directory.FullName, "passwords");
        bool first = true;
        foreach (var (user, password) in users)
        {
            string[] arguments = first ? ["-c", "-b", file, user, password] : ["-b", file, user, password];
            var result = await ChildProcess.RunAsync(executable, arguments, StartTimeout).ConfigureAwait(false);
            if (result.ExitCode != 0)
            {
                throw new ExpectationFailedException($"mosquitto_passwd failed.\n{result.Transcript}");
            }

            first = false;
        }

        await AddConfigurationAsync($"allow_anonymous false\npassword_file {file}", cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills mosquitto, hands its log to <see cref="BrokerSettings.LogSink"/> and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _settings.LogSink?.Invoke($"--- {Name} on port {Port} ---\n{Log}");
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A temporary directory left behind is not the test's failure.
        }
    }

    private static string Configuration(int port, BrokerSettings settings, string directory) => string.Join(
        '\n',
        "# Written by Tern.TestKit for one test run.",
        string.Create(CultureInfo.InvariantCulture, $"listener {port} 127.0.0.1"),
        "allow_anonymous true",
        settings.Persistence ? "persistence true" : "persistence false",
        $"persistence_location {directory}/",
        // Run as root (CI), mosquitto would switch to the user 'mosquitto', who cannot write this directory.
        // For any other user the setting has no effect.
        "user root",
        // Standard error, because mosquitto's standard output is block-buffered on a pipe.
        "log_dest stderr",
        "log_type all",
        "log_timestamp_format %H:%M:%S",
        "connection_messages true",
        string.Empty);

    // Starts mosquitto and waits for "running" (its listener is open). Null when the port was taken.
    private static async Task<ChildProcess?> LaunchAsync(string executable, string directory, int port, CancellationToken cancellationToken)
    {
        var process = ChildProcess.Start(executable, ["-c", Path.Combine(directory, "mosquitto.conf")], workingDirectory: directory, mergeStandardError: true);
        try
        {
            string line = await process.ExpectLineAsync(
                l => l.EndsWith(" running", StringComparison.Ordinal) || l.Contains("Error:", StringComparison.Ordinal),
                "mosquitto's \"running\" line",
                StartTimeout).ConfigureAwait(false);
            if (line.Contains("Address already in use", StringComparison.Ordinal))
            {
                await process.DisposeAsync().ConfigureAwait(false);
                return null;
            }

            if (line.Contains("Error:", StringComparison.Ordinal))
            {
                throw new ExpectationFailedException($"mosquitto did not start.\n{process.Transcript()}");
            }

            await ProbeAsync(port, process, cancellationToken).ConfigureAwait(false);
            return process;
        }
        catch
        {
            await process.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    // "running" is printed after the listeners are open; one connection proves it.
    private static async Task ProbeAsync(int port, ChildProcess process, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(StartTimeout);
        using var probe = new TcpClient();
        try
        {
            await probe.ConnectAsync("127.0.0.1", port, deadline.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or OperationCanceledException)
        {
            throw new ExpectationFailedException($"mosquitto said it runs but port {port} refused a connection: {e.Message}\n{process.Transcript()}", e);
        }
    }

    private async Task StopGracefullyAsync()
    {
        // The shell's built-in kill: .NET can only send SIGKILL, which would lose the database.
        var result = await ChildProcess.RunAsync(
            "/bin/sh",
            ["-c", string.Create(CultureInfo.InvariantCulture, $"kill -TERM {_process.Id}")],
            StartTimeout).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new ExpectationFailedException($"Could not stop mosquitto.\n{result.Transcript}");
        }

        await _process.WaitForExitAsync(StartTimeout).ConfigureAwait(false);
    }
}
