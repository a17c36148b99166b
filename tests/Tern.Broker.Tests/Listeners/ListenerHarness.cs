using System.Net.Security;
using System.Net.Sockets;
using System.Reflection;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Tern.Broker.Channel;
using Tern.Broker.Connections;
using Tern.Broker.Tests.Support;
using Tern.Client;
using Tern.Protocol;
using Tern.TestKit;
using Tern.TestKit.Tls;

namespace Tern.Broker.Tests.Listeners;

/// <summary>Brokers with TLS and WebSocket listeners, clients for them, and a look at the broker's side of a connection.</summary>
internal static class ListenerHarness
{
    /// <summary>Starts a broker whose only listener is <paramref name="listener"/> (port 0 on 127.0.0.1).</summary>
    public static Task<TernBroker> StartAsync(MqttListenerOptions listener, Action<BrokerOptions>? configure = null)
    {
        listener.Port = 0;
        listener.Bind = "127.0.0.1";
        return TernBroker.StartAsync(o =>
        {
            o.Listeners = [listener];
            configure?.Invoke(o);
        });
    }

    /// <summary>An mqtts listener with the test server certificate (PEM).</summary>
    public static MqttListenerOptions Mqtts(TestCertificates certificates, ClientCertificateMode mode = ClientCertificateMode.None) => new()
    {
        Name = "secure",
        Protocol = ListenerProtocol.Mqtts,
        Tls = new ListenerTlsOptions
        {
            CertificateFile = certificates.ServerCertificateFile,
            KeyFile = certificates.ServerKeyFile,
            ClientCertificateMode = mode,
            CaFile = mode == ClientCertificateMode.None ? null : certificates.CaFile,
        },
    };

    /// <summary>Tern.Client options for a TLS listener trusting the test CA, with an optional client certificate.</summary>
    public static MqttClientOptions TlsClient(TestCertificates certificates, int port, X509Certificate2? clientCertificate = null) => MqttClientOptions.Default with
    {
        Host = "127.0.0.1",
        Port = port,
        ClientId = "tls-" + Guid.NewGuid().ToString("N")[..12],
        ProtocolVersion = ProtocolVersion.V500,
        Reconnect = new MqttReconnectOptions { Enabled = false },
        Tls = new MqttTlsOptions
        {
            TargetHost = "localhost",
            TrustedCertificateAuthorities = [certificates.Authority],
            ClientCertificates = clientCertificate is null ? null : new X509CertificateCollection { clientCertificate },
        },
    };

    /// <summary>Connects, subscribes, publishes 100 kB at QoS 1 and receives it back.</summary>
    public static async Task RoundTripAsync(MqttClientOptions options)
    {
        await using var client = new MqttClient(options);
        var result = await client.ConnectAsync().WaitAsync(Timeouts.Default);
        Assert.True(result.IsSuccess, $"CONNACK {result.ReasonCode}");
        string topic = "listeners/" + Guid.NewGuid().ToString("N");
        await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Default);
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);
        Assert.True((await client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Default)).IsSuccess);
        var message = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Default);
        Assert.Equal(payload, message.Payload.ToArray());
        await client.DisconnectAsync().WaitAsync(Timeouts.Default);
    }

    /// <summary>MQTT 3.1.1 CONNECT, client id "t", clean session, keep alive 60 s.</summary>
    public const string Connect311 = "100D00044D5154540402003C000174";

    /// <summary>
    /// A TLS handshake with the broker as SslStream does it, then an MQTT CONNECT: returns the server certificate
    /// seen, and whether a CONNACK came back (false: the handshake failed, or the server closed the connection).
    /// </summary>
    public static async Task<(bool Connected, X509Certificate2? ServerCertificate, Exception? Error)> ConnectOverTlsAsync(
        int port, X509Certificate2? clientCertificate = null, SslProtocols protocols = SslProtocols.None)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port).WaitAsync(Timeouts.Default);
        await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
        X509Certificate2? server = null;
        try
        {
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = "localhost",
                EnabledSslProtocols = protocols,
                ClientCertificates = clientCertificate is null ? null : [clientCertificate],

                // These tests look at the server certificate themselves; trust is tested with Tern.Client.
                RemoteCertificateValidationCallback = (_, _, _, _) => true,
            }).WaitAsync(Timeouts.Default);
            server = ssl.RemoteCertificate is { } remote ? X509CertificateLoader.LoadCertificate(remote.GetRawCertData()) : null;

            // TLS 1.3 delivers the server's verdict on the client certificate after the client's handshake ends.
            await ssl.WriteAsync(Hex.Bytes(Connect311));
            var connack = new byte[4];
            int read = await ssl.ReadAtLeastAsync(connack, 4, throwOnEndOfStream: false).AsTask().WaitAsync(Timeouts.Default);
            return (read == 4 && connack[0] == 0x20 && connack[3] == 0, server, null);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            return (false, server, ex);
        }
    }

    /// <summary>Waits until a broker log line satisfies <paramref name="match"/>.</summary>
    public static async Task<string> WaitForLogAsync(this TernBroker broker, Func<string, bool> match, string what)
    {
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (true)
        {
            var line = broker.Log.Split('\n').FirstOrDefault(match);
            if (line is not null)
            {
                return line;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the broker never logged {what}; its log:\n{broker.Log}");
            await Task.Delay(10);
        }
    }

    /// <summary>The broker's side of the connection of <paramref name="clientId"/>.</summary>
    public static MqttConnection ConnectionOf(this TernBroker broker, string clientId)
    {
        // Test-only look inside: the engine's channel set and a channel's connection are private.
        var channels = (System.Collections.IEnumerable)typeof(Tern.Broker.Hosting.BrokerEngine)
            .GetField("_channels", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(broker.Broker.Engine)!;
        var field = typeof(MqttChannel).GetField("_connection", BindingFlags.NonPublic | BindingFlags.Instance)!;
        foreach (var entry in channels)
        {
            var channel = (MqttChannel)entry.GetType().GetProperty("Key")!.GetValue(entry)!;
            if (channel.ClientId == clientId)
            {
                return (MqttConnection)field.GetValue(channel)!;
            }
        }

        throw new InvalidOperationException($"no connection of client {clientId}");
    }
}
