using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
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
        var dataDir = new Option<string?>("--data-dir") { Description = "Directory of the durable state (default ./tern-data)." };
        var persistence = new Option<PersistenceMode?>("--persistence") { Description = "sqlite (default: sessions and retained messages survive restarts) or memory." };
        var command = new Command("broker", "Run the MQTT broker.") { port, bind, config, logLevel, dataDir, persistence };
        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(config), result.GetValue(port), result.GetValue(bind), result.GetValue(logLevel), new StorageArguments(result.GetValue(dataDir), result.GetValue(persistence)), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, int? port, string? bind, LogLevel logLevel, StorageArguments storage, CancellationToken cancellationToken)
    {
        BrokerOptions options;
        try
        {
            options = BrokerConfiguration.Load(configFile, port, bind, dataDirectory: storage.DataDirectory, persistence: storage.Mode);
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
            broker = await MqttBroker.StartAsync(options, services => services.AddLogging(logging => logging
                .SetMinimumLevel(logLevel)
                .AddFilter("Microsoft", LogLevel.Warning)
                .AddSimpleConsole(c =>
                {
                    c.SingleLine = true;
                    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    c.UseUtcTimestamp = true;
                })
                .Services.Configure<ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace)), cancellationToken).ConfigureAwait(false);
        }
        catch (IOException ex)
        {
            await Console.Error.WriteLineAsync($"tern broker: cannot listen: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        catch (Exception ex) when (StorageProblem(ex) is { } problem)
        {
            await Console.Error.WriteLineAsync($"tern broker: {problem.Message}").ConfigureAwait(false);
            return ExitCodes.Storage;
        }

        await using (broker.ConfigureAwait(false))
        {
            foreach (var endpoint in broker.Endpoints)
            {
                Console.Out.WriteLine($"listening on mqtt://{endpoint}");
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
