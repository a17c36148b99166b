using System.CommandLine;
using System.CommandLine.Help;
using System.Security.Cryptography.X509Certificates;
using Tern.Client;
using Tern.Protocol;

namespace Tern.Cli.Client;

/// <summary>
/// The connection options <c>tern pub</c> and <c>tern sub</c> share, spelled as mosquitto_pub / mosquitto_sub spell
/// them. <c>-h</c> is the host, as there; help is <c>--help</c> or <c>-?</c>.
/// </summary>
internal sealed class ClientCommandOptions
{
    public Option<string> Host { get; } = new("--host", "-h") { Description = "Broker host (default localhost).", DefaultValueFactory = _ => "localhost" };

    public Option<int?> Port { get; } = new("--port", "-p") { Description = "Broker port (default 1883; 8883 with --cafile or --insecure)." };

    public Option<string?> Url { get; } = new("--url", "-L") { Description = "Broker URL instead of -h/-p: mqtt://host:port, mqtts://host:port, ws://host:port/path, wss://host:port/path." };

    public Option<string?> ClientId { get; } = new("--id", "-i") { Description = "Client identifier (default: generated)." };

    public Option<int> QoS { get; } = new("--qos", "-q") { Description = "Quality of service: 0, 1 or 2 (default 0).", DefaultValueFactory = _ => 0 };

    public Option<string?> UserName { get; } = new("--username", "-u") { Description = "User name." };

    public Option<string?> Password { get; } = new("--pw", "-P") { Description = "Password." };

    public Option<string> Version { get; } = new("--protocol-version", "-V") { Description = "MQTT version: 311 (default) or 5 (also mqttv311, mqttv5).", DefaultValueFactory = _ => "311" };

    public Option<int> KeepAlive { get; } = new("--keepalive", "-k") { Description = "Keep alive in seconds (default 60; 0 turns it off).", DefaultValueFactory = _ => 60 };

    public Option<string?> CaFile { get; } = new("--cafile") { Description = "TLS: PEM file of the certificate authority to trust." };

    public Option<bool> Insecure { get; } = new("--insecure") { Description = "TLS without checking the server's certificate (tests only)." };

    public void AddTo(Command command)
    {
        // The root's help option answers -h too; this command takes -h for the host, as mosquitto does.
        command.Options.Add(new HelpOption("--help", ["-?"]));
        foreach (var option in new Option[] { Host, Port, Url, ClientId, QoS, UserName, Password, Version, KeepAlive, CaFile, Insecure })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>Builds the client options, or says in one line what is wrong with the command line.</summary>
    public bool TryBuild(ParseResult result, out MqttClientOptions options, out QualityOfService qos, out string? error)
    {
        options = MqttClientOptions.Default;
        qos = QualityOfService.AtMostOnce;
        error = null;
        int qosValue = result.GetValue(QoS);
        if (qosValue is < 0 or > 2)
        {
            error = $"QoS must be 0, 1 or 2, not {qosValue}.";
            return false;
        }

        qos = (QualityOfService)qosValue;
        ProtocolVersion? version = result.GetValue(Version)?.ToLowerInvariant() switch
        {
            "311" or "mqttv311" or "4" => ProtocolVersion.V311,
            "5" or "mqttv5" or "500" => ProtocolVersion.V500,
            _ => null,
        };
        if (version is null)
        {
            error = $"unknown protocol version '{result.GetValue(Version)}' (311 or 5).";
            return false;
        }

        int keepAlive = result.GetValue(KeepAlive);
        if (keepAlive is < 0 or > ushort.MaxValue)
        {
            error = "keep alive must be between 0 and 65535 seconds.";
            return false;
        }

        MqttTlsOptions? tls = null;
        if (result.GetValue(CaFile) is { } caFile)
        {
            if (!File.Exists(caFile))
            {
                error = $"cannot read the CA file '{caFile}'.";
                return false;
            }

            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(caFile);
            tls = new MqttTlsOptions { TrustedCertificateAuthorities = authorities };
        }

        if (result.GetValue(Insecure))
        {
            tls = (tls ?? new MqttTlsOptions()) with { AllowUntrustedCertificates = true };
        }

        string host = result.GetValue(Host) ?? "localhost";
        int? port = result.GetValue(Port);
        Uri? webSocket = null;
        if (result.GetValue(Url) is { } url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("mqtt" or "mqtts" or "ws" or "wss" or "tcp"))
            {
                error = $"'{url}' is not an mqtt://, mqtts://, ws:// or wss:// URL.";
                return false;
            }

            host = uri.Host;
            if (!uri.IsDefaultPort)
            {
                port = uri.Port;
            }

            if (uri.Scheme is "mqtts" or "wss")
            {
                tls ??= new MqttTlsOptions();
            }

            if (uri.Scheme is "ws" or "wss")
            {
                webSocket = uri;
            }
        }

        if (port is < 1 or > 65_535)
        {
            error = $"port {port} is not between 1 and 65535.";
            return false;
        }

        string? user = result.GetValue(UserName);
        string? password = result.GetValue(Password);
        if (password is not null && user is null && version == ProtocolVersion.V311)
        {
            error = "a password (-P) needs a user name (-u) in MQTT 3.1.1.";
            return false;
        }

        options = MqttClientOptions.Default with
        {
            Host = host,
            Port = port ?? (tls is null ? 1883 : 8883),
            WebSocketUri = webSocket,
            Tls = tls,
            ProtocolVersion = version.Value,
            ClientId = result.GetValue(ClientId) ?? string.Empty,
            KeepAlive = TimeSpan.FromSeconds(keepAlive),
            UserName = user,
            Password = password,
        };
        return true;
    }
}
