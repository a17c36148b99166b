using System.Globalization;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Client.Tests.Support;

/// <summary>
/// The ports of a broker's listeners besides plain TCP, for the transport tests: <see cref="AddToMosquittoAsync"/> adds
/// them to a <see cref="MosquittoBroker"/> of the test kit without changing the kit (append them to the configuration
/// it runs with and restart it); <see cref="TernListeners"/> starts a Tern broker with the same ones. WebSocket (<c>ws</c>), TLS (<c>mqtts</c>), TLS requiring a client
/// certificate, and WebSocket over TLS (<c>wss</c>), each on its own free loopback port.
/// </summary>
public sealed record TransportListeners(int WebSocket, int Tls, int MutualTls, int SecureWebSocket)
{
    public static async Task<TransportListeners> AddToMosquittoAsync(MosquittoBroker broker, TestCertificates certificates)
    {
        ArgumentNullException.ThrowIfNull(broker);
        ArgumentNullException.ThrowIfNull(certificates);
        var listeners = new TransportListeners(FreePort.OnLoopback(), FreePort.OnLoopback(), FreePort.OnLoopback(), FreePort.OnLoopback());
        string ca = certificates.CaFile, cert = certificates.ServerCertificateFile, key = certificates.ServerKeyFile;
        string tls = $"cafile {ca}\ncertfile {cert}\nkeyfile {key}\n";
        string text = string.Create(
            CultureInfo.InvariantCulture,
            $"""

            listener {listeners.WebSocket} 127.0.0.1
            protocol websockets

            listener {listeners.Tls} 127.0.0.1
            {tls}
            listener {listeners.MutualTls} 127.0.0.1
            {tls}require_certificate true

            listener {listeners.SecureWebSocket} 127.0.0.1
            protocol websockets
            {tls}
            """);
        await File.AppendAllTextAsync(broker.ConfigurationPath, text);
        await broker.RestartAsync();
        return listeners;
    }
}
