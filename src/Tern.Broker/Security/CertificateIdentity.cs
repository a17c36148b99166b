using System.Security.Cryptography.X509Certificates;

namespace Tern.Broker.Security;

/// <summary>The identity a client certificate gives when a listener uses it as the user name.</summary>
internal static class CertificateIdentity
{
    private const string CommonNameOid = "2.5.4.3";

    /// <summary>The subject's first common name (CN); null when the subject has none or it is empty.</summary>
    public static string? CommonName(X509Certificate2 certificate)
    {
        foreach (var rdn in certificate.SubjectName.EnumerateRelativeDistinguishedNames())
        {
            if (!rdn.HasMultipleElements && rdn.GetSingleElementType().Value == CommonNameOid)
            {
                string? name = rdn.GetSingleElementValue();
                return string.IsNullOrEmpty(name) ? null : name;
            }
        }

        return null;
    }
}
