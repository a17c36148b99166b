using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tern.Broker.Transport;

/// <summary>
/// What a TLS listener needs for a handshake, read from its files: the server certificate (with its private key and
/// any intermediate certificates) and the authorities client certificates must chain to. Immutable: a reload builds a
/// new one and swaps it in, so a handshake in flight keeps the one it started with.
/// </summary>
internal sealed class ListenerTlsMaterial
{
    private ListenerTlsMaterial(X509Certificate2 certificate, SslStreamCertificateContext context, X509Certificate2Collection authorities)
    {
        Certificate = certificate;
        CertificateContext = context;
        Authorities = authorities;
    }

    /// <summary>The server certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    /// <summary>The server certificate and its chain, as SslStream sends them.</summary>
    public SslStreamCertificateContext CertificateContext { get; }

    /// <summary>The trusted roots for client certificates (empty without a CA file).</summary>
    public X509Certificate2Collection Authorities { get; }

    /// <summary>
    /// Reads the files named by <paramref name="tls"/>. Returns null and a clear problem when a file is missing,
    /// unreadable, or the certificate has no private key.
    /// </summary>
    public static ListenerTlsMaterial? TryLoad(ListenerTlsOptions tls, string listenerName, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(tls);
        problem = null;
        if (string.IsNullOrWhiteSpace(tls.CertificateFile))
        {
            problem = $"Listener '{listenerName}': Tls.CertificateFile is required for a TLS listener (a PEM certificate with Tls.KeyFile, or a PFX file).";
            return null;
        }

        X509Certificate2 certificate;
        X509Certificate2Collection chain = [];
        try
        {
            (certificate, chain) = LoadCertificate(tls);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
        {
            problem = $"Listener '{listenerName}': cannot read the certificate '{tls.CertificateFile}'{(tls.KeyFile is null ? "" : $" with key '{tls.KeyFile}'")}: {ex.Message}";
            return null;
        }

        if (!certificate.HasPrivateKey)
        {
            problem = $"Listener '{listenerName}': the certificate '{tls.CertificateFile}' has no private key (set Tls.KeyFile, or use a PFX file that holds the key).";
            certificate.Dispose();
            return null;
        }

        X509Certificate2Collection authorities = [];
        if (!string.IsNullOrWhiteSpace(tls.CaFile))
        {
            try
            {
                authorities.ImportFromPemFile(tls.CaFile);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException or ArgumentException)
            {
                problem = $"Listener '{listenerName}': cannot read the CA file '{tls.CaFile}': {ex.Message}";
                certificate.Dispose();
                return null;
            }

            if (authorities.Count == 0)
            {
                problem = $"Listener '{listenerName}': the CA file '{tls.CaFile}' holds no PEM certificate.";
                certificate.Dispose();
                return null;
            }
        }

        // offline: the chain is built from the files given, never by fetching intermediates from the network.
        var context = SslStreamCertificateContext.Create(certificate, chain, offline: true);
        return new ListenerTlsMaterial(certificate, context, authorities);
    }

    private static (X509Certificate2 Certificate, X509Certificate2Collection Chain) LoadCertificate(ListenerTlsOptions tls)
    {
        string file = tls.CertificateFile!;
        if (tls.KeyFile is null && !IsPem(file))
        {
            // PKCS#12 / PFX: the key and any intermediates are in the file.
            var all = X509CertificateLoader.LoadPkcs12CollectionFromFile(file, tls.Password, X509KeyStorageFlags.EphemeralKeySet);
            var leaf = all.FirstOrDefault(c => c.HasPrivateKey) ?? (all.Count > 0 ? all[0] : throw new CryptographicException("the file holds no certificate"));
            X509Certificate2Collection rest = [.. all.Where(c => !ReferenceEquals(c, leaf))];
            return (leaf, rest);
        }

        var certificate = tls.Password is null
            ? X509Certificate2.CreateFromPemFile(file, tls.KeyFile)
            : X509Certificate2.CreateFromEncryptedPemFile(file, tls.Password, tls.KeyFile);
        if (OperatingSystem.IsWindows())
        {
            // SChannel cannot use an ephemeral PEM key for a server handshake; a PKCS#12 round trip gives it a usable one.
            using var ephemeral = certificate;
            certificate = X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
        }

        // A "full chain" PEM file carries the intermediates after the leaf; send them with it.
        X509Certificate2Collection inFile = [];
        inFile.ImportFromPemFile(file);
        X509Certificate2Collection chain = [.. inFile.Where(c => !c.RawDataMemory.Span.SequenceEqual(certificate.RawDataMemory.Span))];
        return (certificate, chain);
    }

    private static bool IsPem(string file)
    {
        using var stream = File.OpenRead(file);
        // PEM files may start with text ("Bag Attributes" from openssl) before the first armour line.
        var start = new byte[4096];
        int read = stream.ReadAtLeast(start, start.Length, throwOnEndOfStream: false);
        return start.AsSpan(0, read).IndexOf("-----BEGIN"u8) >= 0;
    }
}
