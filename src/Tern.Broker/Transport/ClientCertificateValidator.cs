using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tern.Broker.Transport;

/// <summary>
/// Checks a client certificate against the listener's own authorities only (never the system store): a certificate
/// from any other CA, an expired one, or one not meant for client authentication is refused.
/// </summary>
internal static class ClientCertificateValidator
{
    private static readonly Oid ClientAuthentication = new("1.3.6.1.5.5.7.3.2", "Client Authentication");

    /// <summary>Null when <paramref name="certificate"/> is acceptable under <paramref name="mode"/>; otherwise why not.</summary>
    public static string? Validate(X509Certificate? certificate, X509Chain? presented, ClientCertificateMode mode, X509Certificate2Collection authorities)
    {
        if (certificate is null)
        {
            return mode == ClientCertificateMode.Required ? "the listener requires a client certificate and the client sent none" : null;
        }

        if (authorities.Count == 0)
        {
            return "the client sent a certificate but the listener has no Tls.CaFile to check it against";
        }

        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        chain.ChainPolicy.ApplicationPolicy.Add(ClientAuthentication);
        if (presented is not null)
        {
            // Intermediates the client sent with its certificate.
            foreach (var element in presented.ChainElements)
            {
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        if (chain.Build(leaf))
        {
            return null;
        }

        var statuses = chain.ChainStatus.Select(s => s.Status).Where(s => s != X509ChainStatusFlags.NoError).Distinct();
        return $"the client certificate '{leaf.Subject}' is not valid for this listener ({string.Join(", ", statuses)})";
    }
}
