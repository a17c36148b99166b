using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Tern.Broker.Transport;

namespace Tern.Broker.Tests.Listeners;

public sealed class CertificateIdentityTests
{
    [Theory]
    [InlineData("CN=sensor-17, O=Example", "sensor-17")]
    [InlineData("O=Example, CN=sensor-17", "sensor-17")]
    [InlineData("CN=\"a, b\"", "a, b")]
    [InlineData("CN=device/with+chars#", "device/with+chars#")]
    public void The_common_name_is_taken_from_the_subject(string subject, string expected)
    {
        using var certificate = Make(subject);
        Assert.Equal(expected, CertificateIdentity.GetCommonName(certificate));
    }

    [Fact]
    public void A_subject_without_a_common_name_has_no_identity_even_with_an_e_mail_address()
    {
        using var certificate = Make("E=someone@example.com, O=Example");
        Assert.Null(CertificateIdentity.GetCommonName(certificate));
    }

    [Fact]
    public void No_certificate_has_no_identity() => Assert.Null(CertificateIdentity.GetCommonName(null));

    private static X509Certificate2 Make(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var now = DateTimeOffset.UtcNow;
        return new CertificateRequest(subject, key, HashAlgorithmName.SHA256).CreateSelfSigned(now, now.AddHours(1));
    }
}
