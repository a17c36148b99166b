using Tern.TestKit.Tls;

namespace Tern.Broker.Tests.Listeners;

public sealed class ListenerValidationTests(CertificatesFixture fixture) : IClassFixture<CertificatesFixture>
{
    private readonly TestCertificates _certificates = fixture.Certificates;

    [Fact]
    public void A_TLS_listener_without_a_certificate_is_a_problem()
    {
        var problems = Validate(new MqttListenerOptions { Name = "tls", Protocol = ListenerProtocol.Mqtts, Port = 8883 });
        Assert.Contains("Listener 'tls': Tls.CertificateFile is required for a TLS listener (a PEM certificate with Tls.KeyFile, or a PFX file).", problems);
    }

    [Fact]
    public void A_wss_listener_without_a_certificate_is_a_problem()
    {
        var problems = Validate(new MqttListenerOptions { Protocol = ListenerProtocol.Wss, Port = 8443 });
        Assert.Contains(problems, p => p.StartsWith("Listener 'wss:127.0.0.1:8443': Tls.CertificateFile is required", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_certificate_file_is_a_problem_that_names_it()
    {
        string missing = Path.Combine(_certificates.Directory, "missing.pem");
        var problems = Validate(new MqttListenerOptions
        {
            Name = "tls",
            Protocol = ListenerProtocol.Mqtts,
            Tls = new() { CertificateFile = missing, KeyFile = _certificates.ServerKeyFile },
        });
        Assert.Contains(problems, p => p.StartsWith($"Listener 'tls': cannot read the certificate '{missing}' with key '{_certificates.ServerKeyFile}': ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_a_problem()
    {
        var problems = Validate(new MqttListenerOptions
        {
            Name = "tls",
            Protocol = ListenerProtocol.Mqtts,
            Tls = new() { CertificateFile = _certificates.ServerCertificateFile, KeyFile = _certificates.ClientKeyFile },
        });
        Assert.Contains(problems, p => p.StartsWith("Listener 'tls': cannot read the certificate", StringComparison.Ordinal));
    }

    [Fact]
    public void A_PFX_file_with_a_wrong_password_is_a_problem()
    {
        string pfx = Path.Combine(_certificates.Directory, $"{Guid.NewGuid():N}.pfx");
        TestCertificates.WritePfx(_certificates.Server, pfx, "right");
        var problems = Validate(new MqttListenerOptions { Name = "tls", Protocol = ListenerProtocol.Mqtts, Tls = new() { CertificateFile = pfx, Password = "wrong" } });
        Assert.Contains(problems, p => p.StartsWith($"Listener 'tls': cannot read the certificate '{pfx}'", StringComparison.Ordinal));
    }

    [Fact]
    public void Required_client_certificates_without_a_CA_file_are_a_problem()
    {
        var problems = Validate(new MqttListenerOptions
        {
            Name = "mtls",
            Protocol = ListenerProtocol.Mqtts,
            Tls = new() { CertificateFile = _certificates.ServerCertificateFile, KeyFile = _certificates.ServerKeyFile, ClientCertificateMode = ClientCertificateMode.Required },
        });
        Assert.Equal(["Listener 'mtls': Tls.ClientCertificateMode Required needs Tls.CaFile, the PEM file of the authorities client certificates must chain to."], problems);
    }

    [Fact]
    public void A_CA_file_without_certificates_is_a_problem()
    {
        string empty = Path.Combine(_certificates.Directory, $"{Guid.NewGuid():N}.pem");
        File.WriteAllText(empty, "nothing here\n");
        var problems = Validate(new MqttListenerOptions
        {
            Name = "mtls",
            Protocol = ListenerProtocol.Mqtts,
            Tls = new() { CertificateFile = _certificates.ServerCertificateFile, KeyFile = _certificates.ServerKeyFile, ClientCertificateMode = ClientCertificateMode.Optional, CaFile = empty },
        });
        Assert.Equal([$"Listener 'mtls': the CA file '{empty}' holds no PEM certificate."], problems);
    }

    [Theory]
    [InlineData("mqtt")]
    [InlineData("")]
    [InlineData("/with space")]
    public void A_WebSocket_path_that_does_not_start_with_a_slash_is_a_problem(string path)
    {
        var problems = Validate(new MqttListenerOptions { Name = "web", Protocol = ListenerProtocol.Ws, Path = path });
        Assert.Equal([$"Listener 'web': Path '{path}' must start with '/' and contain no spaces (e.g. /mqtt)."], problems);
    }

    [Fact]
    public void Two_listeners_on_the_same_port_and_address_are_a_problem()
    {
        var problems = Validate(
            new MqttListenerOptions { Name = "a", Port = 1883 },
            new MqttListenerOptions { Name = "b", Port = 1883, Protocol = ListenerProtocol.Ws });
        Assert.Equal(["Listeners 'a' and 'b' both use port 1883."], problems);
    }

    [Fact]
    public void The_same_port_on_a_wildcard_and_a_specific_address_is_a_problem()
    {
        var problems = Validate(new MqttListenerOptions { Name = "a", Port = 1883, Bind = "*" }, new MqttListenerOptions { Name = "b", Port = 1883 });
        Assert.Equal(["Listeners 'a' and 'b' both use port 1883."], problems);
    }

    [Fact]
    public void The_same_port_on_two_specific_addresses_and_port_zero_twice_are_fine()
    {
        Assert.Empty(Validate(new MqttListenerOptions { Port = 1883, Bind = "127.0.0.1" }, new MqttListenerOptions { Port = 1883, Bind = "127.0.0.2" }));
        Assert.Empty(Validate(new MqttListenerOptions { Port = 0 }, new MqttListenerOptions { Port = 0 }));
    }

    [Fact]
    public void TLS_settings_on_a_plain_listener_are_a_problem()
    {
        var problems = Validate(new MqttListenerOptions { Name = "plain", Tls = new() { CertificateFile = _certificates.ServerCertificateFile } });
        Assert.Equal(["Listener 'plain': Tls settings need Protocol Mqtts or Wss; a Mqtt listener does not use TLS."], problems);
    }

    [Fact]
    public void A_good_configuration_of_every_listener_kind_has_no_problem()
    {
        var tls = new ListenerTlsOptions
        {
            CertificateFile = _certificates.ServerCertificateFile,
            KeyFile = _certificates.ServerKeyFile,
            ClientCertificateMode = ClientCertificateMode.Required,
            CaFile = _certificates.CaFile,
            UseCertificateIdentityAsUserName = true,
        };
        Assert.Empty(Validate(
            new MqttListenerOptions { Port = 1883 },
            new MqttListenerOptions { Port = 8883, Protocol = ListenerProtocol.Mqtts, Tls = tls },
            new MqttListenerOptions { Port = 8080, Protocol = ListenerProtocol.Ws },
            new MqttListenerOptions { Port = 8443, Protocol = ListenerProtocol.Wss, Tls = tls }));
    }

    [Fact]
    public async Task StartAsync_refuses_a_TLS_listener_without_a_certificate()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => MqttBroker.StartAsync(new BrokerOptions { Listeners = [new() { Name = "tls", Port = 0, Protocol = ListenerProtocol.Mqtts }] }));
        Assert.Contains("Listener 'tls': Tls.CertificateFile is required", error.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<string> Validate(params MqttListenerOptions[] listeners) => new BrokerOptions { Listeners = [.. listeners] }.Validate();
}
