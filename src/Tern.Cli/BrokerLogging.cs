using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Tern.Cli;

/// <summary>
/// The log output of <c>tern broker</c>: one line per event on standard error, as text or JSON (<c>--log-format</c>),
/// with levels per area from the <c>Logging</c> section of the configuration file and <c>TERN_LOGGING__...</c>
/// environment variables (<c>"Logging": { "LogLevel": { "Tern.Broker": "Debug" } }</c>).
/// </summary>
internal static partial class BrokerLogging
{
    public static void Configure(IServiceCollection services, LogLevel minimum, LogFormat format, string? configFile)
    {
        services.AddLogging(logging =>
        {
            logging.SetMinimumLevel(minimum).AddFilter("Microsoft", LogLevel.Warning);
            logging.AddConfiguration(LoggingSection(configFile));
            if (format == LogFormat.Json)
            {
                logging.AddJsonConsole(c =>
                {
                    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    c.UseUtcTimestamp = true;
                    c.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
            }
            else
            {
                logging.AddSimpleConsole(c =>
                {
                    c.SingleLine = true;
                    c.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                    c.UseUtcTimestamp = true;
                });
            }
        });
        services.Configure<ConsoleLoggerOptions>(c => c.LogToStandardErrorThreshold = LogLevel.Trace);
    }

    /// <summary>Logged when SIGHUP asks for a reload (the same event as a reload asked through the admin API).</summary>
    [LoggerMessage(7006, LogLevel.Information, "Configuration reload requested by {Source}")]
    public static partial void ReloadRequested(ILogger logger, string source);

    private static IConfigurationSection LoggingSection(string? configFile)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            builder.AddJsonFile(Path.GetFullPath(configFile), optional: true);
        }

        return builder.AddEnvironmentVariables("TERN_").Build().GetSection("Logging");
    }
}

/// <summary>How log lines are written.</summary>
internal enum LogFormat
{
    /// <summary>One human-readable line per event.</summary>
    Text,

    /// <summary>One JSON object per line (Microsoft.Extensions.Logging's JSON console format).</summary>
    Json,
}
