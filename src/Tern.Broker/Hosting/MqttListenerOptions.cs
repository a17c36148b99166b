using System.Net;

namespace Tern.Broker;

/// <summary>One TCP listener for MQTT.</summary>
public sealed class MqttListenerOptions
{
    /// <summary>The address to bind. Default 127.0.0.1: like Mosquitto 2 without a configuration, only this machine can connect.</summary>
    public string Bind { get; set; } = "127.0.0.1";

    /// <summary>The TCP port. Default 1883, MQTT's registered port; 0 binds any free port (read the real one from <see cref="MqttBroker.Endpoints"/>).</summary>
    public int Port { get; set; } = 1883;

    /// <summary>Parses <see cref="Bind"/>; "localhost" means the IPv4 loopback, "*" or "0.0.0.0" every IPv4 address, "::" every address.</summary>
    public IPAddress GetAddress() => Bind switch
    {
        "localhost" => IPAddress.Loopback,
        "*" => IPAddress.Any,
        _ => IPAddress.TryParse(Bind, out var address) ? address : throw new FormatException($"'{Bind}' is not an IP address."),
    };
}
