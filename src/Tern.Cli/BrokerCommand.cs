using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tern.Broker;

namespace Tern.Cli;

/// <summary><c>tern broker</c>: runs the broker until Ctrl+C or SIGTERM.</summary>
internal static class BrokerCommand
{
    public static Command Create()
    {
        var port = new Option<int?>("--port", "-p") { Description = "TCP port to listen on (default 1883; 0 = any free port)." };
        var bind = new Option<string?>("--bind") { Description = "Address to listen on (default 127.0.0.1: this machine only)." };
        var config = new Option<string?>("--config", "-c") { Description = "JSON configuration file (see docs/configuration.md)." };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Minimum level of log lines on standard error.", DefaultValueFactory = _ => LogLevel.Information };
        var checkConfig = new Option<string?>("--check-config") { Description = "Check this JSON configuration file and the password and ACL files it names, print 'configuration ok' or each problem, and exit (0 ok, 2 problems); starts nothing." };
        var logFormat = new Option<LogFormat>("--log-format") { Description = "Log lines as text (default) or json (one JSON object per line).", DefaultValueFactory = _ => LogFormat.Text };
        var httpPort = new Option<int?>("--http-port") { Description = "Port of the HTTP listener for metrics, health and the admin API (default 18083; 0 = any free port)." };
        var httpBind = new Option<string?>("--http-bind") { Description = "Address of the HTTP listener (default 127.0.0.1)." };
        var noHttp = new Option<bool>("--no-http") { Description = "Do not open the HTTP listener." };
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the durable state (default ./tern-data)." };
        var persistence = new Option<PersistenceMode?>("--persistence") { Description = "sqlite (default: sessions and retained messages survive restarts) or memory." };
        var command = new Command("broker", "Run the MQTT broker.") { port, bind, config, logLevel, logFormat, httpPort, httpBind, noHttp, dataDir, persistence, checkConfig };
        command.SetAction((result, cancellationToken) => result.GetValue(checkConfig) is { } checkFile
            ? Task.FromResult(CheckConfiguration(checkFile, result.GetValue(port), result.GetValue(bind)))
            : RunAsync(
                result.GetValue(config),
                result.GetValue(port),
                result.GetValue(bind),
                new LogSettings(result.GetValue(logLevel), result.GetValue(logFormat)),
                new HttpSettings(result.GetValue(httpPort), result.GetValue(httpBind), result.GetValue(noHttp)),
                new StorageArguments(result.GetValue(dataDir), result.GetValue(persistence)),
                cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, int? port, string? bind, LogSettings log, HttpSettings http, StorageArguments storage, CancellationToken cancellationToken)
    {
        BrokerOptions options;
        try
        {
            options = BrokerConfiguration.Load(configFile, port, bind, dataDirectory: storage.DataDirectory, persistence: storage.Mode);
            http.ApplyTo(options);
        }
        catch (ConfigurationProblemException ex)
        {
            await Console.Error.WriteLineAsync($"tern broker: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        using var stop = new CancellationTokenSource();
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
        {
            context.Cancel = true;
            stop.Cancel();
        });

        MqttBroker broker;
        try
        {
            broker = await MqttBroker.StartAsync(options, services => BrokerLogging.Configure(services, log.Level, log.Format, configFile), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"tern broker: cannot listen: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (SecurityConfigurationException ex)
        {
            // Fail closed: a malformed password or ACL file stops the start, with its path and line.
            await Console.Error.WriteLineAsync($"tern broker: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }
        catch (Exception ex) when (StorageProblem(ex) is { } problem)
        {
            await Console.Error.WriteLineAsync($"tern broker: {problem.Message}").ConfigureAwait(false);
            return ExitCodes.Storage;
        }

        await using (broker.ConfigureAwait(false))
        {
            // Registered before the listening lines are printed: whoever waits for them (a test, a supervisor) may send
            // SIGHUP at once, and without a registration the signal would end the process.
            // SIGHUP reloads what can change while running (password file, ACL, limits, TLS certificates); the
            // reloader logs the outcome (event 3003, or 3004 with the problems while the old configuration stays).
            var reloadLogger = broker.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Tern.Broker.Reload");

            // Limits are re-read from the same file, environment and flags as at start (a bad file fails the reload).
            broker.ConfigurationSource = () => BrokerConfiguration.Load(configFile, port, bind, dataDirectory: storage.DataDirectory, persistence: storage.Mode);
            using var sighup = PosixSignalRegistration.Create(PosixSignal.SIGHUP, context =>
            {
                context.Cancel = true;
                ThreadPool.QueueUserWorkItem(_ =>
                {
                    BrokerLogging.ReloadRequested(reloadLogger, "SIGHUP");
                    broker.Reload();
                });
            });

            foreach (var listener in broker.Listeners)
            {
                Console.Out.WriteLine($"listening on {listener.Url}");
            }

            if (broker.HttpEndpoint is { } httpEndpoint)
            {
                Console.Out.WriteLine($"listening on http://{httpEndpoint}");
            }

            await Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, CancellationTokenSource.CreateLinkedTokenSource(stop.Token, cancellationToken).Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C or SIGTERM: stop below.
            }

            await broker.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return ExitCodes.Success;
    }

    /// <summary><c>--check-config</c>: every problem on a line of its own on standard error (exit 2), or <c>configuration ok</c> (exit 0).</summary>
    private static int CheckConfiguration(string configFile, int? port, string? bind)
    {
        var (problems, warnings) = BrokerConfiguration.Check(configFile, port, bind);
        foreach (string warning in warnings)
        {
            Console.Out.WriteLine($"warning: {warning}");
        }

        if (problems.Count > 0)
        {
            foreach (string problem in problems)
            {
                Console.Error.WriteLine($"tern broker: {problem}");
            }

            return ExitCodes.Usage;
        }

        Console.Out.WriteLine("configuration ok");
        return ExitCodes.Success;
    }

    private readonly record struct LogSettings(LogLevel Level, LogFormat Format);

    /// <summary>The HTTP listener flags, applied over the configuration.</summary>
    private readonly record struct HttpSettings(int? Port, string? Bind, bool Off)
    {
        public void ApplyTo(BrokerOptions options)
        {
            var http = options.Http;
            http.Enabled = Off ? false : http.Enabled ?? true;
            http.Port = Port ?? http.Port;
            http.Bind = Bind ?? http.Bind;

            // A broker asked for any free MQTT port (tests, several brokers on one machine) takes a free HTTP port too,
            // unless one was named: two of them must not fight over 18083.
            if (http.Port is null && options.Listeners.Count > 0 && options.Listeners.All(l => l.Port == 0))
            {
                http.Port = 0;
            }

            var problems = options.Validate();
            if (problems.Count > 0)
            {
                throw new ConfigurationProblemException("invalid configuration: " + string.Join(" ", problems));
            }
        }
    }

    // The start may wrap the storage problem (the host starts services together).
    private static BrokerStorageException? StorageProblem(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            if (ex is BrokerStorageException storage)
            {
                return storage;
            }

            if (ex is AggregateException aggregate && aggregate.InnerExceptions.Select(StorageProblem).FirstOrDefault(p => p is not null) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }

    /// <summary>The --data-dir and --persistence options.</summary>
    private readonly record struct StorageArguments(string? DataDirectory, PersistenceMode? Mode);
}
