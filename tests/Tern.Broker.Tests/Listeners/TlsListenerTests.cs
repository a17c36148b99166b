using System.Security.Authentication;
using Tern.Broker.Transport;
using Tern.Client;
using Tern.TestKit;
using Tern.TestKit.Processes;
using Tern.TestKit.Tls;

namespace Tern.Broker.Tests.Listeners;

/// <summary>One set of certificates for the listener tests (the files are only read, never changed).</summary>
public sealed class CertificatesFixture : IDisposable
{
    public TestCertificates Certificates { get; } = TestCertificates.Create();

    public void Dispose() => Certificates.Dispose();
}

public sealed class TlsListenerTests(CertificatesFixture fixture) : IClassFixture<CertificatesFixture>
{
    private readonly TestCertificates _certificates = fixture.Certificates;

    [Fact]
    public async Task Messages_flow_over_mqtts_with_a_PEM_certificate_and_key()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        await ListenerHarness.RoundTripAsync(ListenerHarness.TlsClient(_certificates, broker.Port));
    }

    [Fact]
    public async Task A_PFX_certificate_with_a_password_serves_mqtts()
    {
        string pfx = Path.Combine(_certificates.Directory, $"server-{Guid.NewGuid():N}.pfx");
        TestCertificates.WritePfx(_certificates.Server, pfx, "s3cret");
        var listener = new MqttListenerOptions { Protocol = ListenerProtocol.Mqtts, Tls = new() { CertificateFile = pfx, Password = "s3cret" } };
        await using var broker = await ListenerHarness.StartAsync(listener);

        var (connected, server, error) = await ListenerHarness.ConnectOverTlsAsync(broker.Port);
        Assert.True(connected, error?.ToString());
        Assert.Equal(_certificates.Server.Thumbprint, server!.Thumbprint);
    }

    [Fact]
    public async Task A_client_that_does_not_trust_the_server_certificate_cannot_connect()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        var options = ListenerHarness.TlsClient(_certificates, broker.Port) with { Tls = new MqttTlsOptions { TargetHost = "localhost" } };
        await using var client = new MqttClient(options);
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Support.Timeouts.Default));
        Assert.IsType<AuthenticationException>(error.InnerException);
    }

    [Fact]
    public async Task Plain_MQTT_sent_to_a_TLS_listener_is_refused_and_logged()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        await using var raw = await broker.ConnectRawAsync();
        await raw.SendAsync(ListenerHarness.Connect311);
        await raw.ExpectClosedAsync(Support.Timeouts.Default);
        await broker.WaitForLogAsync(l => l.Contains("[4100] TLS handshake from 127.0.0.1:", StringComparison.Ordinal) && l.Contains("on listener secure failed", StringComparison.Ordinal), "the failed handshake");
    }

    [Fact]
    public async Task TLS_1_2_and_1_3_are_accepted()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        Assert.True((await ListenerHarness.ConnectOverTlsAsync(broker.Port, protocols: SslProtocols.Tls12)).Connected);
        Assert.True((await ListenerHarness.ConnectOverTlsAsync(broker.Port, protocols: SslProtocols.Tls13)).Connected);
    }

    [Fact]
    public async Task TLS_1_1_is_refused_by_the_broker_with_a_protocol_version_alert()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));

        // .NET's own client will not offer TLS 1.1 on this system, so the question goes through openssl with its
        // security level lowered: the client offers 1.1 and only the broker can say no. TLS 1.2 is the control.
        string openssl = PeerCheck.Executable("openssl", "/usr/bin/openssl", "Debian package openssl");
        string[] Arguments(string version) => ["s_client", "-connect", $"127.0.0.1:{broker.Port}", version, "-cipher", "DEFAULT@SECLEVEL=0", "-brief"];
        await using (var control = ChildProcess.Start(openssl, Arguments("-tls1_2"), mergeStandardError: true))
        {
            await control.ExpectLineAsync(l => l.Contains("CONNECTION ESTABLISHED", StringComparison.Ordinal), "the TLS 1.2 handshake", Support.Timeouts.Default);
        }

        await using var old = ChildProcess.Start(openssl, Arguments("-tls1_1"), mergeStandardError: true);
        Assert.NotEqual(0, await old.WaitForExitAsync(Support.Timeouts.Default));
        Assert.Contains(old.Output, l => l.Contains("alert protocol version", StringComparison.Ordinal));
        Assert.DoesNotContain(old.Output, l => l.Contains("CONNECTION ESTABLISHED", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Required_client_certificates_refuse_a_client_without_one_during_the_handshake()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required));
        var (connected, _, _) = await ListenerHarness.ConnectOverTlsAsync(broker.Port);
        Assert.False(connected);
        await broker.WaitForLogAsync(l => l.Contains("[4100]", StringComparison.Ordinal) && l.Contains("requires a client certificate and the client sent none", StringComparison.Ordinal), "the missing certificate");
    }

    [Fact]
    public async Task Required_client_certificates_refuse_a_certificate_from_another_authority()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required));
        var (connected, _, _) = await ListenerHarness.ConnectOverTlsAsync(broker.Port, _certificates.ForeignClient);
        Assert.False(connected);
        await broker.WaitForLogAsync(l => l.Contains("[4100]", StringComparison.Ordinal) && l.Contains("'CN=intruder' is not valid for this listener", StringComparison.Ordinal), "the foreign certificate");
    }

    [Fact]
    public async Task Required_client_certificates_refuse_a_Tern_client_without_one()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required));
        await using var client = new MqttClient(ListenerHarness.TlsClient(_certificates, broker.Port));
        await Assert.ThrowsAsync<MqttClientException>(() => client.ConnectAsync().WaitAsync(Support.Timeouts.Default));
        Assert.False(client.IsConnected);
    }

    [Fact]
    public async Task A_good_client_certificate_is_accepted_and_reaches_the_connection()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required));
        var options = ListenerHarness.TlsClient(_certificates, broker.Port, _certificates.Client);
        await using var client = new MqttClient(options);
        Assert.True((await client.ConnectAsync().WaitAsync(Support.Timeouts.Default)).IsSuccess);

        var connection = broker.ConnectionOf(options.ClientId);
        Assert.Equal("secure", connection.Listener.DisplayName);
        Assert.Equal(_certificates.Client.Thumbprint, connection.ClientCertificate?.Thumbprint);
        Assert.Equal("sensor-17", CertificateIdentity.GetCommonName(connection.ClientCertificate));
        await ListenerHarness.RoundTripAsync(options with { ClientId = options.ClientId + "b" });
    }

    [Fact]
    public async Task Optional_client_certificates_admit_a_client_without_one()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Optional));
        var options = ListenerHarness.TlsClient(_certificates, broker.Port);
        await using var client = new MqttClient(options);
        Assert.True((await client.ConnectAsync().WaitAsync(Support.Timeouts.Default)).IsSuccess);
        Assert.Null(broker.ConnectionOf(options.ClientId).ClientCertificate);
    }

    [Fact]
    public async Task Optional_client_certificates_still_refuse_a_certificate_that_does_not_verify()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Optional));
        Assert.False((await ListenerHarness.ConnectOverTlsAsync(broker.Port, _certificates.ForeignClient)).Connected);
        Assert.True((await ListenerHarness.ConnectOverTlsAsync(broker.Port, _certificates.Client)).Connected);
    }

    [Fact]
    public async Task A_plain_listener_has_no_client_certificate()
    {
        await using var broker = await ListenerHarness.StartAsync(new MqttListenerOptions { Name = "plain" });
        await using var client = new MqttClient(MqttClientOptions.Default with { Host = "127.0.0.1", Port = broker.Port, ClientId = "plain-1", Reconnect = new MqttReconnectOptions { Enabled = false } });
        await client.ConnectAsync().WaitAsync(Support.Timeouts.Default);
        var connection = broker.ConnectionOf("plain-1");
        Assert.Null(connection.ClientCertificate);
        Assert.Equal("plain", connection.Listener.Name);
    }
}
