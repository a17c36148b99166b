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
        var checkConfig = new Option<string?>("--check-config") { Description = "Check this JSON configuration file and the password and ACL files it names, print 'configuration ok' or each problem, and exit (0 ok, 2 problems); starts nothing." };
        var command = new Command("broker", "Run the MQTT broker.") { port, bind, config, logLevel, checkConfig };
        command.SetAction((result, cancellationToken) => result.GetValue(checkConfig) is { } checkFile
            ? Task.FromResult(CheckConfiguration(checkFile, result.GetValue(port), result.GetValue(bind)))
            : RunAsync(
            result.GetValue(config), result.GetValue(port), result.GetValue(bind), result.GetValue(logLevel), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(string? configFile, int? port, string? bind, LogLevel logLevel, CancellationToken cancellationToken)
    {
        BrokerOptions options;
        try
        {
            options = BrokerConfiguration.Load(configFile, port, bind);
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
        catch (SecurityConfigurationException ex)
        {
            // Fail closed: a malformed password or ACL file stops the start, with its path and line.
            await Console.Error.WriteLineAsync($"tern broker: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.Usage;
        }

        await using (broker.ConfigureAwait(false))
        {
            foreach (var listener in broker.Listeners)
            {
                Console.Out.WriteLine($"listening on {listener.Url}");
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
}
