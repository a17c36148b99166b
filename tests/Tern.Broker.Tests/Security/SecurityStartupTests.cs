using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Tern.Broker.Security;

namespace Tern.Broker.Tests.Security;

/// <summary>Fail closed at start (RELIABILITY D11), and the identity a client certificate gives.</summary>
public class SecurityStartupTests
{
    [Fact]
    public async Task A_malformed_ACL_file_stops_the_start_with_its_path_and_line()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tern-acl-{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(path, "topic read a/#\nuser\n");
        try
        {
            var error = await Assert.ThrowsAsync<SecurityConfigurationException>(() => MqttBroker.StartAsync(new BrokerOptions
            {
                Listeners = [new MqttListenerOptions { Port = 0 }],
                Security = new SecurityOptions { AclFile = path },
            }));
            Assert.Equal($"{path} line 2: 'user' without a user name", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task A_missing_password_file_stops_the_start()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tern-missing-{Guid.NewGuid():N}");
        var error = await Assert.ThrowsAsync<SecurityConfigurationException>(() => MqttBroker.StartAsync(new BrokerOptions
        {
            Listeners = [new MqttListenerOptions { Port = 0 }],
            Security = new SecurityOptions { PasswordFile = path },
        }));
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CN=sensor-17, O=Acme", "sensor-17")]
    [InlineData("O=Acme, CN=gateway", "gateway")]
    [InlineData("O=Acme", null)]
    public void The_certificate_identity_is_the_subjects_common_name(string subject, string? expected)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));

        Assert.Equal(expected, Tern.Broker.Transport.CertificateIdentity.GetCommonName(certificate));
    }
}
