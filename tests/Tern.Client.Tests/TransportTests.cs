using System.Security.Cryptography.X509Certificates;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Tern.TestKit.Tls;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>
/// Mosquitto and Tern, each with TCP, WebSocket, TLS, TLS with client certificates and WebSocket over TLS listeners,
/// all with the same certificates.
/// </summary>
public sealed class Transports : IAsyncLifetime
{
    private MosquittoBroker _mosquitto = null!;
    private TransportListeners _mosquittoListeners = null!;
    private TernBroker _tern = null!;
    private TransportListeners _ternListeners = null!;

    public TestCertificates Certificates { get; } = TestCertificates.Create();

    /// <summary>The TCP port and the other listeners of the broker of kind <paramref name="broker"/>.</summary>
    public (int Tcp, TransportListeners Listeners) Of(string broker) => broker switch
    {
        "mosquitto" => (_mosquitto.Port, _mosquittoListeners),
        "tern" => (_tern.Port, _ternListeners),
        _ => throw new ArgumentException($"no transports for broker '{broker}'", nameof(broker)),
    };

    public async Task InitializeAsync()
    {
        var tern = TernListeners.StartAsync(Certificates);
        _mosquitto = await MosquittoBroker.StartAsync();
        _mosquittoListeners = await TransportListeners.AddToMosquittoAsync(_mosquitto, Certificates);
        (_tern, _ternListeners) = await tern;
    }

    public async Task DisposeAsync()
    {
        await _mosquitto.DisposeAsync();
        await _tern.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>
/// TLS (SslStream, client certificates) and WebSocket (ws, wss; subprotocol mqtt), against Mosquitto and against
/// Tern's mqtts / ws / wss listeners.
/// </summary>
public sealed class TransportTests(Transports transports, ITestOutputHelper output) : ClientTest(output), IClassFixture<Transports>
{
    private MqttTlsOptions TrustingTestCa => new() { TrustedCertificateAuthorities = [transports.Certificates.Authority] };

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_flow_over_TLS_with_a_private_certificate_authority(string broker, ProtocolVersion version)
    {
        var listeners = transports.Of(broker).Listeners;
        var options = Options(listeners.Tls, version) with { Tls = TrustingTestCa };
        await RoundTripAsync(options, version);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_server_certificate_from_an_unknown_authority_is_refused(string broker)
    {
        var listeners = transports.Of(broker).Listeners;
        await using var client = new MqttClient(Options(listeners.Tls) with { Tls = new MqttTlsOptions(), Reconnect = new MqttReconnectOptions { Enabled = false } });
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.StartsWith($"cannot connect to 127.0.0.1:{listeners.Tls}: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_broker_that_requires_a_client_certificate_accepts_one_signed_by_its_authority(string broker)
    {
        var listeners = transports.Of(broker).Listeners;
        var tls = TrustingTestCa with { ClientCertificates = new X509CertificateCollection { transports.Certificates.Client } };
        await RoundTripAsync(Options(listeners.MutualTls) with { Tls = tls }, ProtocolVersion.V311);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_broker_that_requires_a_client_certificate_refuses_a_client_without_one(string broker)
    {
        var listeners = transports.Of(broker).Listeners;
        await using var client = new MqttClient(Options(listeners.MutualTls) with { Tls = TrustingTestCa, Reconnect = new MqttReconnectOptions { Enabled = false } });
        await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.False(client.IsConnected);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_flow_over_WebSocket_with_the_mqtt_subprotocol(string broker, ProtocolVersion version)
    {
        var listeners = transports.Of(broker).Listeners;
        var options = Options(1883, version) with { WebSocketUri = new Uri($"ws://127.0.0.1:{listeners.WebSocket}/mqtt") };
        await RoundTripAsync(options, version);
    }

    [Theory]
    [MemberData(nameof(BrokersAndVersions))]
    public async Task Messages_flow_over_WebSocket_over_TLS(string broker, ProtocolVersion version)
    {
        var listeners = transports.Of(broker).Listeners;
        var options = Options(1883, version) with
        {
            WebSocketUri = new Uri($"wss://localhost:{listeners.SecureWebSocket}/mqtt"),
            Tls = TrustingTestCa,
        };
        await RoundTripAsync(options, version);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_WebSocket_connection_that_is_cut_reconnects(string broker)
    {
        var listeners = transports.Of(broker).Listeners;
        await using var client = new MqttClient(Options(1883) with { WebSocketUri = new Uri($"ws://127.0.0.1:{listeners.WebSocket}/mqtt") });
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        // Another connection with the same client identifier takes the session over: the broker closes the WebSocket.
        await using (var thief = new MqttClient(Options(transports.Of(broker).Tcp, clientId: client.ClientId) with { Reconnect = new MqttReconnectOptions { Enabled = false } }))
        {
            await thief.ConnectAsync().WaitAsync(Timeouts.Event);
            Assert.True((await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event)).WillReconnect);
        }

        Assert.True((await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event)).IsReconnect);
    }

    private static async Task RoundTripAsync(MqttClientOptions options, ProtocolVersion version)
    {
        await using var client = new MqttClient(options);
        var result = await client.ConnectAsync().WaitAsync(Timeouts.Event);
        Assert.Equal(version, result.ProtocolVersion);
        string topic = Unique.Topic("transport");
        await using var subscription = await client.SubscribeAsync(topic, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        var payload = new byte[100_000];
        Random.Shared.NextBytes(payload);
        Assert.True((await client.PublishAsync(topic, payload, QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event)).IsSuccess);
        var message = await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event);
        Assert.Equal(payload, message.Payload.ToArray());
    }
}
