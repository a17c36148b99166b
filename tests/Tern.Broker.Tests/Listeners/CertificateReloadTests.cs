using Tern.TestKit.Tls;
using Timeouts = Tern.Broker.Tests.Support.Timeouts;

namespace Tern.Broker.Tests.Listeners;

public sealed class CertificateReloadTests : IDisposable
{
    // Its own certificates: these tests rewrite the files.
    private readonly TestCertificates _certificates = TestCertificates.Create();

    public void Dispose() => _certificates.Dispose();

    [Fact]
    public async Task A_renewed_certificate_is_served_to_new_handshakes_after_reload()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        var before = await ListenerHarness.ConnectOverTlsAsync(broker.Port);
        Assert.Equal(_certificates.Server.Thumbprint, before.ServerCertificate?.Thumbprint);

        using var renewed = _certificates.IssueServer("CN=localhost, O=Renewed");
        TestCertificates.WritePem(renewed, _certificates.ServerCertificateFile, _certificates.ServerKeyFile);
        var result = broker.Broker.Reload();

        Assert.True(result.Succeeded, string.Join(" ", result.Problems));
        Assert.Contains("tls certificates", result.Reloaded);
        var after = await ListenerHarness.ConnectOverTlsAsync(broker.Port);
        Assert.True(after.Connected);
        Assert.Equal(renewed.Thumbprint, after.ServerCertificate?.Thumbprint);
        Assert.Contains("[4101] Listener secure serves the certificate CN=localhost, O=Renewed", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_certificate_file_fails_the_reload_and_the_old_certificate_stays()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        await File.WriteAllTextAsync(_certificates.ServerCertificateFile, "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");

        var result = broker.Broker.Reload();

        Assert.False(result.Succeeded);
        var problem = Assert.Single(result.Problems);
        Assert.StartsWith("Listener 'secure': cannot read the certificate", problem, StringComparison.Ordinal);
        Assert.Contains(_certificates.ServerCertificateFile, problem, StringComparison.Ordinal);
        var after = await ListenerHarness.ConnectOverTlsAsync(broker.Port);
        Assert.True(after.Connected);
        Assert.Equal(_certificates.Server.Thumbprint, after.ServerCertificate?.Thumbprint);
    }

    [Fact]
    public async Task A_certificate_without_its_key_fails_the_reload()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        using var renewed = _certificates.IssueServer();
        await File.WriteAllTextAsync(_certificates.ServerCertificateFile, renewed.ExportCertificatePem());

        var result = broker.Broker.Reload();

        Assert.False(result.Succeeded);
        Assert.Contains("Listener 'secure'", Assert.Single(result.Problems), StringComparison.Ordinal);
        Assert.Equal(_certificates.Server.Thumbprint, (await ListenerHarness.ConnectOverTlsAsync(broker.Port)).ServerCertificate?.Thumbprint);
    }

    [Fact]
    public async Task A_connection_opened_before_the_reload_keeps_working()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates));
        var options = ListenerHarness.TlsClient(_certificates, broker.Port);
        await using var client = new Tern.Client.MqttClient(options);
        await client.ConnectAsync().WaitAsync(Timeouts.Default);

        using var renewed = _certificates.IssueServer();
        TestCertificates.WritePem(renewed, _certificates.ServerCertificateFile, _certificates.ServerKeyFile);
        Assert.True(broker.Broker.Reload().Succeeded);

        Assert.True((await client.PublishAsync("after/reload", "still here", Tern.Protocol.QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Default)).IsSuccess);
    }

    [Fact]
    public async Task A_new_client_authority_is_in_force_after_reload()
    {
        await using var broker = await ListenerHarness.StartAsync(ListenerHarness.Mqtts(_certificates, ClientCertificateMode.Required));
        Assert.False((await ListenerHarness.ConnectOverTlsAsync(broker.Port, _certificates.ForeignClient)).Connected);

        // The operator adds the other CA to the CA file.
        await File.AppendAllTextAsync(_certificates.CaFile, "\n" + _certificates.ForeignAuthority.ExportCertificatePem() + "\n");
        var result = broker.Broker.Reload();
        Assert.True(result.Succeeded, string.Join(" ", result.Problems));

        var after = await ListenerHarness.ConnectOverTlsAsync(broker.Port, _certificates.ForeignClient);
        Assert.True(after.Connected, $"{after.Error}\n{broker.Log}");
    }
}
