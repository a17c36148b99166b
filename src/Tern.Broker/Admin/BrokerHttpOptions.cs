using System.Net;

namespace Tern.Broker;

/// <summary>
/// The operator's HTTP listener: the Prometheus scrape endpoint (<c>/metrics</c>), health checks (<c>/healthz</c>,
/// <c>/readyz</c>) and the admin API (<c>/api/v1</c>). See docs/operations.md.
/// </summary>
public sealed class BrokerHttpOptions
{
    /// <summary>The port used when <see cref="Port"/> is not set: 18083.</summary>
    public const int DefaultPort = 18083;

    /// <summary>
    /// Whether the HTTP listener runs. Null (the default) means: on in <c>tern broker</c>, off in
    /// <see cref="MqttBroker.StartAsync(BrokerOptions, CancellationToken)"/>, so an application embedding several
    /// brokers (or a test suite) never fights over port 18083 without asking for it.
    /// </summary>
    public bool? Enabled { get; set; }

    /// <summary>The address to bind. Default 127.0.0.1: metrics and the admin API are for this machine unless told otherwise.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>
    /// The TCP port; 0 binds any free port (read it from <see cref="MqttBroker.HttpEndpoint"/>). Null (the default) is
    /// <see cref="DefaultPort"/>, except in <c>tern broker</c> when every MQTT listener asks for port 0: then the HTTP
    /// listener takes a free port too.
    /// </summary>
    public int? Port { get; set; }

    /// <summary>
    /// The key that opens the admin API, sent as <c>Authorization: Bearer KEY</c> or <c>X-API-Key: KEY</c>. Null (the
    /// default) and no <see cref="AdminUsers"/>: the admin API is off (404); metrics and health stay available.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>
    /// Users of the password file (<see cref="SecurityOptions.PasswordFile"/>) who may use the admin API with HTTP
    /// Basic authentication. Default none.
    /// </summary>
    public List<string> AdminUsers { get; set; } = [];

    /// <summary>Whether the admin API answers: an API key or an admin user is configured.</summary>
    public bool AdminApiEnabled => !string.IsNullOrEmpty(ApiKey) || AdminUsers.Count > 0;

    /// <summary>Parses <see cref="Bind"/> as <see cref="MqttListenerOptions.GetAddress"/> does.</summary>
    public IPAddress GetAddress() => Bind switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ => IPAddress.TryParse(Bind, out var address) ? address : throw new FormatException($"'{Bind}' is not an IP address."),
    };

    /// <summary>Checks the settings; returns the problems found.</summary>
    internal IReadOnlyList<string> Validate(SecurityOptions security)
    {
        var problems = new List<string>();
        if (Port is < 0 or > 65_535)
        {
            problems.Add($"Http.Port {Port} is not between 0 and 65535.");
        }

        if (Bind is not ("localhost" or "*") && !IPAddress.TryParse(Bind, out _))
        {
            problems.Add($"Http.Bind '{Bind}' is not an IP address.");
        }

        if (ApiKey is { Length: > 0 and < 16 })
        {
            problems.Add("Http.ApiKey must be at least 16 characters (generate one: openssl rand -hex 32).");
        }

        if (AdminUsers.Count > 0 && security.PasswordFile is null)
        {
            problems.Add("Http.AdminUsers needs Security.PasswordFile: admin users sign in with their password from it.");
        }

        return problems;
    }
}
