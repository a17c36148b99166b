using System.Globalization;
using Tern.TestKit;

namespace Tern.Client.Tests.Support;

/// <summary>
/// Extra listeners for a <see cref="MosquittoBroker"/> of the test kit, added without changing the kit: append them
/// to the configuration it runs with and restart it. WebSocket (<c>ws</c>), TLS (<c>mqtts</c>), TLS requiring a client
/// certificate, and WebSocket over TLS (<c>wss</c>), each on its own free loopback port.
/// </summary>
public sealed record MosquittoListeners(int WebSocket, int Tls, int MutualTls, int SecureWebSocket)
{
    public static async Task<MosquittoListeners> AddAsync(MosquittoBroker broker, TestCertificates certificates)
    {
        string directory = Path.GetDirectoryName(broker.ConfigurationPath)!;
        certificates.WritePem(directory);
        var listeners = new MosquittoListeners(FreePort.OnLoopback(), FreePort.OnLoopback(), FreePort.OnLoopback(), FreePort.OnLoopback());
        string ca = Path.Combine(directory, "ca.pem"), cert = Path.Combine(directory, "server.pem"), key = Path.Combine(directory, "server.key");
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
