using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Tern.Broker;

namespace Tern.Cli;

/// <summary>
/// Builds <see cref="BrokerOptions"/> from three layers, each overriding the one before: the JSON file given with
/// <c>--config</c>, environment variables prefixed <c>TERN_</c> (<c>TERN_MAXPACKETSIZE=65536</c>,
/// <c>TERN_LISTENERS__0__PORT=1884</c>), and the command line (<c>--port</c>, <c>--bind</c>, <c>--data-dir</c>,
/// <c>--persistence</c>). Unlike an embedded broker, <c>tern broker</c> stores its state in SQLite unless told otherwise.
/// </summary>
internal static class BrokerConfiguration
{
    /// <summary>Loads and validates the options; throws <see cref="ConfigurationProblemException"/> with one clear message.</summary>
    public static BrokerOptions Load(string? configFile, int? port, string? bind, IDictionary<string, string?>? environment = null, string? dataDirectory = null, PersistenceMode? persistence = null)
    {
        var options = Bind(configFile, port, bind, environment, dataDirectory, persistence);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ConfigurationProblemException("invalid configuration: " + string.Join(" ", problems));
        }

        return options;
    }

    /// <summary>
    /// <c>tern broker --check-config</c>: loads the configuration as <see cref="Load"/> does and reads every file the
    /// broker would read at start (password file, ACL file), without opening a listener. Returns every problem found,
    /// each a line of its own, and the warnings worth reading; no problems means the broker would start.
    /// </summary>
    public static (IReadOnlyList<string> Problems, IReadOnlyList<string> Warnings) Check(string configFile, int? port, string? bind, IDictionary<string, string?>? environment = null)
    {
        BrokerOptions options;
        try
        {
            options = Bind(configFile, port, bind, environment);
        }
        catch (ConfigurationProblemException ex)
        {
            return ([ex.Message], []);
        }

        var problems = options.Validate().Select(p => "invalid configuration: " + p).ToList();
        var warnings = new List<string>();
        var security = options.Security ?? new SecurityOptions();
        foreach (var (path, load) in new (string?, Action<string>)[] { (security.PasswordFile, p => PasswordFile.Load(p)), (security.AclFile, p => AclFile.Load(p)) })
        {
            if (path is null)
            {
                continue;
            }

            try
            {
                load(path);
            }
            catch (SecurityConfigurationException ex)
            {
                problems.Add(ex.Message);
            }
        }

        if (problems.Count == 0)
        {
            using var loaded = SecurityConfiguration.Load(security);
            warnings.AddRange(loaded.Warnings);
            var listeners = options.Listeners.Count == 0 ? [new MqttListenerOptions()] : options.Listeners;
            if (security.PasswordFile is null && security.AllowAnonymous is null && listeners.All(l => l.AllowAnonymous is null && !IsLoopback(l.Bind)))
            {
                warnings.Add("no password file, and anonymous clients are refused on every listener (none binds a loopback address): every client is refused");
            }
        }

        return (problems, warnings);
    }

    private static bool IsLoopback(string bind) =>
        bind == "localhost" || (System.Net.IPAddress.TryParse(bind, out var address) && System.Net.IPAddress.IsLoopback(address));

    private static BrokerOptions Bind(string? configFile, int? port, string? bind, IDictionary<string, string?>? environment, string? dataDirectory = null, PersistenceMode? persistence = null)
    {
        var builder = new ConfigurationBuilder();
        if (configFile is not null)
        {
            var path = Path.GetFullPath(configFile);
            if (!File.Exists(path))
            {
                throw new ConfigurationProblemException($"configuration file '{configFile}' does not exist");
            }

            builder.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        if (environment is null)
        {
            builder.AddEnvironmentVariables("TERN_");
        }
        else
        {
            builder.AddInMemoryCollection(environment
                .Where(e => e.Key.StartsWith("TERN_", StringComparison.OrdinalIgnoreCase))
                .Select(e => new KeyValuePair<string, string?>(e.Key["TERN_".Length..].Replace("__", ":", StringComparison.Ordinal), e.Value)));
        }

        var overrides = new Dictionary<string, string?>();
        if (port is not null)
        {
            overrides["Listeners:0:Port"] = port.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (bind is not null)
        {
            overrides["Listeners:0:Bind"] = bind;
        }

        if (dataDirectory is not null)
        {
            overrides["Persistence:DataDirectory"] = dataDirectory;
        }

        if (persistence is not null)
        {
            overrides["Persistence:Mode"] = persistence.Value.ToString();
        }

        builder.AddInMemoryCollection(overrides);

        IConfigurationRoot configuration;
        try
        {
            configuration = builder.Build();
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or JsonException)
        {
            throw new ConfigurationProblemException($"cannot read configuration file '{configFile}': {(ex.InnerException ?? ex).Message}");
        }

        var options = new BrokerOptions { Persistence = { Mode = PersistenceMode.Sqlite } };
        try
        {
            // A misspelt key in the file is an error (it would silently leave a default in force); unrelated TERN_
            // environment variables are not.
            if (configFile is not null)
            {
                // The Logging section belongs to the logger (levels per area), not to BrokerOptions.
                var file = new ConfigurationBuilder().AddJsonFile(Path.GetFullPath(configFile), optional: false).Build();
                new ConfigurationBuilder().AddInMemoryCollection(file.AsEnumerable().Where(e => !e.Key.Equals("Logging", StringComparison.OrdinalIgnoreCase) && !e.Key.StartsWith("Logging:", StringComparison.OrdinalIgnoreCase))).Build()
                    .Bind(new BrokerOptions(), o => o.ErrorOnUnknownConfiguration = true);
            }

            configuration.Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new ConfigurationProblemException($"invalid configuration: {(ex.InnerException ?? ex).Message}");
        }

        return options;
    }
}

/// <summary>A configuration problem, reported as one line and exit code 2.</summary>
internal sealed class ConfigurationProblemException(string message) : Exception(message);
