using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tern.Broker;
using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Processes;
using Tern.TestKit.Tls;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Listeners;

/// <summary>Certificates shared by the listener interop tests (read only).</summary>
public sealed class ListenerCertificates : IDisposable
{
    public TestCertificates Certificates { get; } = TestCertificates.Create();

    public void Dispose() => Certificates.Dispose();
}

/// <summary>
/// Tern's mqtts, ws and wss listeners with the clients people use: MQTTnet, MQTT.js and mosquitto_pub / mosquitto_sub
/// (TLS with a private CA, client certificates, WebSocket with the subprotocol mqtt).
/// </summary>
public sealed class TernListenerInteropTests(ListenerCertificates fixture, ITestOutputHelper output) : InteropTest(output), IClassFixture<ListenerCertificates>
{
    private readonly TestCertificates _certificates = fixture.Certificates;

    [Fact]
    public async Task MQTTnet_exchanges_messages_over_mqtts_trusting_the_private_CA()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.None));
        await MqttNetRoundTripAsync(b => b.WithTcpServer("127.0.0.1", broker.Port).WithTlsOptions(t => Tls(t)));
    }

    [Fact]
    public async Task MQTTnet_with_a_client_certificate_connects_to_a_listener_that_requires_one()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        await MqttNetRoundTripAsync(b => b.WithTcpServer("127.0.0.1", broker.Port).WithTlsOptions(t => Tls(t).WithClientCertificates([_certificates.Client])));
    }

    [Fact]
    public async Task MQTTnet_without_a_client_certificate_is_refused_by_a_listener_that_requires_one()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var options = factory.CreateClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).WithTlsOptions(t => Tls(t))
            .WithClientId(Unique.ClientId("no-cert")).WithTimeout(Timeouts.Event).Build();
        using var deadline = new CancellationTokenSource(Timeouts.Process);
        await Assert.ThrowsAnyAsync<Exception>(() => client.ConnectAsync(options, deadline.Token));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task MQTTnet_exchanges_messages_over_ws()
    {
        await using var broker = await StartAsync(new MqttListenerOptions { Protocol = ListenerProtocol.Ws });
        await MqttNetRoundTripAsync(b => b.WithWebSocketServer(w => w.WithUri($"ws://127.0.0.1:{broker.Port}/mqtt")));
    }

    [Fact]
    public async Task MQTTnet_exchanges_messages_over_wss()
    {
        await using var broker = await StartAsync(Wss());
        // MQTTnet's WebSocket channel does not use the trust chain option: check the chain in the validation handler.
        await MqttNetRoundTripAsync(b => b.WithWebSocketServer(w => w.WithUri($"wss://localhost:{broker.Port}/mqtt"))
            .WithTlsOptions(t => t.UseTls().WithCertificateValidationHandler(e => ChainsToTestCa(e.Certificate))));
    }

    [Fact]
    public async Task MQTT_js_exchanges_messages_over_ws()
    {
        await using var broker = await StartAsync(new MqttListenerOptions { Protocol = ListenerProtocol.Ws });
        await MqttJsRoundTripAsync($"ws://127.0.0.1:{broker.Port}/mqtt", new Dictionary<string, object>());
    }

    [Fact]
    public async Task MQTT_js_exchanges_messages_over_wss_trusting_the_private_CA()
    {
        await using var broker = await StartAsync(Wss());
        await MqttJsRoundTripAsync($"wss://127.0.0.1:{broker.Port}/mqtt", new Dictionary<string, object> { ["ca"] = _certificates.Authority.ExportCertificatePem() });
    }

    [Fact]
    public async Task MQTT_js_with_a_client_certificate_exchanges_messages_over_mqtts()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        await MqttJsRoundTripAsync($"mqtts://127.0.0.1:{broker.Port}", new Dictionary<string, object>
        {
            ["ca"] = File.ReadAllText(_certificates.CaFile),
            ["cert"] = File.ReadAllText(_certificates.ClientCertificateFile),
            ["key"] = File.ReadAllText(_certificates.ClientKeyFile),
        });
    }

    [Fact]
    public async Task Mosquitto_clients_with_client_certificates_exchange_messages_over_mqtts()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        string topic = Unique.Topic("mqtts");
        string[] tls = ["--cafile", _certificates.CaFile, "--cert", _certificates.ClientCertificateFile, "--key", _certificates.ClientKeyFile];
        await using var subscriber = MosquittoClients.StartSub(broker, [.. tls, "-d", "-i", Unique.ClientId("sub"), "-t", topic, "-q", "1", "-C", "1"]);
        await subscriber.ExpectLineAsync(MosquittoClients.IsSubscribedLine, "the SUBACK", Timeouts.Process);

        var publisher = await MosquittoClients.PubAsync(broker, Timeouts.Process, [.. tls, "-i", Unique.ClientId("pub"), "-t", topic, "-q", "1", "-m", "over tls"]);

        Assert.True(publisher.ExitCode == 0, publisher.Transcript);
        await subscriber.ExpectLineAsync("over tls", Timeouts.Event);
    }

    [Fact]
    public async Task Mosquitto_pub_without_a_client_certificate_is_refused_and_the_broker_logs_why()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        var publisher = await MosquittoClients.PubAsync(broker, Timeouts.Process, "--cafile", _certificates.CaFile, "-i", Unique.ClientId("pub"), "-t", Unique.Topic("t"), "-m", "x");

        Assert.NotEqual(0, publisher.ExitCode);
        await WaitForLogAsync(broker, "requires a client certificate and the client sent none");
    }

    [Fact]
    public async Task Mosquitto_pub_with_a_certificate_from_another_CA_is_refused()
    {
        await using var broker = await StartAsync(Mqtts(ClientCertificateMode.Required));
        var publisher = await MosquittoClients.PubAsync(
            broker, Timeouts.Process, "--cafile", _certificates.CaFile, "--cert", _certificates.ForeignClientCertificateFile, "--key", _certificates.ForeignClientKeyFile,
            "-i", Unique.ClientId("pub"), "-t", Unique.Topic("t"), "-m", "x");

        Assert.NotEqual(0, publisher.ExitCode);
        await WaitForLogAsync(broker, "'CN=intruder' is not valid for this listener");
    }

    private static async Task WaitForLogAsync(TernBroker broker, string text)
    {
        var deadline = DateTime.UtcNow + Timeouts.Event;
        while (!broker.Log.Contains(text, StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the broker never logged '{text}'; its log:\n{broker.Log}");
            await Task.Delay(10);
        }
    }

    private MqttListenerOptions Mqtts(ClientCertificateMode mode) => new()
    {
        Protocol = ListenerProtocol.Mqtts,
        Tls = new ListenerTlsOptions
        {
            CertificateFile = _certificates.ServerCertificateFile,
            KeyFile = _certificates.ServerKeyFile,
            ClientCertificateMode = mode,
            CaFile = mode == ClientCertificateMode.None ? null : _certificates.CaFile,
        },
    };

    private MqttListenerOptions Wss() => new()
    {
        Protocol = ListenerProtocol.Wss,
        Tls = new ListenerTlsOptions { CertificateFile = _certificates.ServerCertificateFile, KeyFile = _certificates.ServerKeyFile },
    };

    private MqttClientTlsOptionsBuilder Tls(MqttClientTlsOptionsBuilder tls) =>
        tls.UseTls().WithTargetHost("localhost").WithTrustChain([_certificates.Authority]);

    private bool ChainsToTestCa(X509Certificate certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_certificates.Authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    }

    private Task<TernBroker> StartAsync(MqttListenerOptions listener)
    {
        listener.Bind = "127.0.0.1";
        listener.Port = 0;
        return TernBroker.StartAsync(o => o.Listeners = [listener], settings: new BrokerSettings { LogSink = Output.WriteLine });
    }

    private static async Task MqttNetRoundTripAsync(Action<MqttClientOptionsBuilder> transport)
    {
        var factory = new MqttClientFactory();
        using var client = factory.CreateMqttClient();
        var builder = factory.CreateClientOptionsBuilder().WithClientId(Unique.ClientId("mqttnet")).WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(Timeouts.Event);
        transport(builder);
        using var deadline = new CancellationTokenSource(Timeouts.Process);
        var connected = await client.ConnectAsync(builder.Build(), deadline.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);

        string topic = Unique.Topic("listener");
        var received = new Signal<string>("a message on " + topic);
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Set(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce, deadline.Token);
        string payload = new('x', 50_000);
        var published = await client.PublishStringAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce, cancellationToken: deadline.Token);
        Assert.True(published.IsSuccess, published.ReasonCode.ToString());
        Assert.Equal(payload, await received.WaitAsync(Timeouts.Event));
        await client.DisconnectAsync(cancellationToken: deadline.Token);
    }

    private static async Task MqttJsRoundTripAsync(string url, Dictionary<string, object> options)
    {
        options["clientId"] = Unique.ClientId("mqttjs");
        await using var peer = NodeMqtt.Start(Peers.NodeDirectory, "peer.js", [url, JsonSerializer.Serialize(options)]);
        await peer.ExpectLineAsync(l => l.StartsWith("connected ", StringComparison.Ordinal) && l.EndsWith(" returnCode=0", StringComparison.Ordinal), "the CONNACK", Timeouts.Process);
        string topic = Unique.Topic("mqttjs");
        await peer.WriteLineAsync($"subscribe {topic} 1");
        await peer.ExpectLineAsync($"subscribed {topic} 1", Timeouts.Event);
        await peer.WriteLineAsync($"publish {topic} 1 0 hello over the web");
        await peer.ExpectLineAsync(l => l == $"message {topic} hello over the web", "the message back", Timeouts.Event);
        await peer.WriteLineAsync("end");
        await peer.ExpectLineAsync("ended", Timeouts.Event);
    }
}
