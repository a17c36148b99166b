using System.Security.Cryptography.X509Certificates;

namespace Tern.Broker.Transport;

/// <summary>The identity a verified client certificate carries, for <see cref="ListenerTlsOptions.UseCertificateIdentityAsUserName"/>.</summary>
internal static class CertificateIdentity
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>
    /// The subject's common name (CN), e.g. <c>sensor-17</c> for <c>CN=sensor-17, O=Example</c>; the most specific
    /// one (first as displayed) when the subject has several; null when there is no certificate or no CN.
    /// Unlike <see cref="X509Certificate2.GetNameInfo"/> with SimpleName it never falls back to an e-mail address or
    /// another attribute, so a user name taken from it is always the CN the CA signed.
    /// </summary>
    public static string? GetCommonName(X509Certificate2? certificate)
    {
        if (certificate is null)
        {
            return null;
        }

        // Enumerated in display order (CN=leaf first), the reverse of the encoding: the first CN is the most specific.
        foreach (var name in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!name.HasMultipleElements && name.GetSingleElementType().Value == CommonNameOid)
            {
                var value = name.GetSingleElementValue();
                return string.IsNullOrEmpty(value) ? null : value;
            }
        }

        return null;
    }
}
