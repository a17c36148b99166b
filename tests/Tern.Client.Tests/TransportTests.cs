using System.Security.Cryptography.X509Certificates;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>One Mosquitto with TCP, WebSocket, TLS, TLS with client certificates and WebSocket over TLS listeners.</summary>
public sealed class MosquittoTransports : IAsyncLifetime
{
    public MosquittoBroker Broker { get; private set; } = null!;

    public TestCertificates Certificates { get; } = TestCertificates.Create();

    public MosquittoListeners Listeners { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = await MosquittoBroker.StartAsync();
        Listeners = await MosquittoListeners.AddAsync(Broker, Certificates);
    }

    public async Task DisposeAsync()
    {
        await Broker.DisposeAsync();
        Certificates.Dispose();
    }
}

/// <summary>
/// TLS (SslStream, client certificates) and WebSocket (ws, wss; subprotocol mqtt) against Mosquitto: Tern's broker has
/// no TLS or WebSocket listener yet.
/// </summary>
public sealed class TransportTests(MosquittoTransports transports, ITestOutputHelper output) : ClientTest(output), IClassFixture<MosquittoTransports>
{
    public static TheoryData<ProtocolVersion> Versions => new([ProtocolVersion.V311, ProtocolVersion.V500]);

    private MqttTlsOptions TrustingTestCa => new() { TrustedCertificateAuthorities = [transports.Certificates.Authority] };

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Messages_flow_over_TLS_with_a_private_certificate_authority(ProtocolVersion version)
    {
        var options = Options(transports.Listeners.Tls, version) with { Tls = TrustingTestCa };
        await RoundTripAsync(options, version);
    }

    [Fact]
    public async Task A_server_certificate_from_an_unknown_authority_is_refused()
    {
        await using var client = new MqttClient(Options(transports.Listeners.Tls) with { Tls = new MqttTlsOptions(), Reconnect = new MqttReconnectOptions { Enabled = false } });
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.StartsWith($"cannot connect to 127.0.0.1:{transports.Listeners.Tls}: ", error.Message, StringComparison.Ordinal);
        Assert.IsType<System.Security.Authentication.AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task A_broker_that_requires_a_client_certificate_accepts_one_signed_by_its_authority()
    {
        var tls = TrustingTestCa with { ClientCertificates = new X509CertificateCollection { transports.Certificates.Client } };
        await RoundTripAsync(Options(transports.Listeners.MutualTls) with { Tls = tls }, ProtocolVersion.V311);
    }

    [Fact]
    public async Task A_broker_that_requires_a_client_certificate_refuses_a_client_without_one()
    {
        await using var client = new MqttClient(Options(transports.Listeners.MutualTls) with { Tls = TrustingTestCa, Reconnect = new MqttReconnectOptions { Enabled = false } });
        await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.False(client.IsConnected);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Messages_flow_over_WebSocket_with_the_mqtt_subprotocol(ProtocolVersion version)
    {
        var options = Options(1883, version) with { WebSocketUri = new Uri($"ws://127.0.0.1:{transports.Listeners.WebSocket}/mqtt") };
        await RoundTripAsync(options, version);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Messages_flow_over_WebSocket_over_TLS(ProtocolVersion version)
    {
        var options = Options(1883, version) with
        {
            WebSocketUri = new Uri($"wss://localhost:{transports.Listeners.SecureWebSocket}/mqtt"),
            Tls = TrustingTestCa,
        };
        await RoundTripAsync(options, version);
    }

    [Fact]
    public async Task A_WebSocket_connection_that_is_cut_reconnects()
    {
        await using var client = new MqttClient(Options(1883) with { WebSocketUri = new Uri($"ws://127.0.0.1:{transports.Listeners.WebSocket}/mqtt") });
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        // Another connection with the same client identifier takes the session over: the broker closes the WebSocket.
        await using (var thief = new MqttClient(Options(transports.Broker.Port, clientId: client.ClientId) with { Reconnect = new MqttReconnectOptions { Enabled = false } }))
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
