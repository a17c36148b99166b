using Tern.Broker;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Client.Tests.Support;

/// <summary>
/// A <see cref="TernBroker"/> with the same listeners as <see cref="TransportListeners.AddToMosquittoAsync"/> adds to Mosquitto, all on
/// port 0 of 127.0.0.1 with the same certificates: TCP (first, so <see cref="TernBroker.Port"/> is it), WebSocket,
/// TLS, TLS requiring a client certificate, and WebSocket over TLS.
/// </summary>
public static class TernListeners
{
    /// <summary>Starts the broker and returns it with the ports its listeners bound.</summary>
    public static async Task<(TernBroker Broker, TransportListeners Ports)> StartAsync(TestCertificates certificates)
    {
        ArgumentNullException.ThrowIfNull(certificates);
        var tls = new ListenerTlsOptions { CertificateFile = certificates.ServerCertificateFile, KeyFile = certificates.ServerKeyFile };
        var broker = await TernBroker.StartAsync(o => o.Listeners =
        [
            new MqttListenerOptions { Name = "tcp", Bind = "127.0.0.1", Port = 0 },
            new MqttListenerOptions { Name = "ws", Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Ws },
            new MqttListenerOptions { Name = "tls", Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Mqtts, Tls = tls },
            new MqttListenerOptions
            {
                Name = "mutual-tls",
                Bind = "127.0.0.1",
                Port = 0,
                Protocol = ListenerProtocol.Mqtts,
                Tls = new ListenerTlsOptions
                {
                    CertificateFile = certificates.ServerCertificateFile,
                    KeyFile = certificates.ServerKeyFile,
                    CaFile = certificates.CaFile,
                    ClientCertificateMode = ClientCertificateMode.Required,
                },
            },
            new MqttListenerOptions { Name = "wss", Bind = "127.0.0.1", Port = 0, Protocol = ListenerProtocol.Wss, Tls = tls },
        ]);
        int PortOf(string name) => broker.Broker.Listeners.Single(l => l.Options.Name == name).EndPoint.Port;
        return (broker, new TransportListeners(PortOf("ws"), PortOf("tls"), PortOf("mutual-tls"), PortOf("wss")));
    }
}
