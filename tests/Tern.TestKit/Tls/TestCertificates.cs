using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Tern.TestKit.Tls;

/// <summary>
/// Certificates made in the test with <see cref="CertificateRequest"/> and written to a temporary directory: a CA, a
/// server certificate for 127.0.0.1 / localhost signed by it, a client certificate from the same CA, and a client
/// certificate from another CA (which a listener must refuse). Deleted on dispose.
/// </summary>
public sealed class TestCertificates : IDisposable
{
    private TestCertificates(string directory)
    {
        Directory = directory;
        var now = DateTimeOffset.UtcNow;
        Authority = CreateAuthority("CN=Tern Test CA", now);
        ForeignAuthority = CreateAuthority("CN=Some Other CA", now);
        Server = Issue(Authority, "CN=localhost", serverAuth: true, now);
        Client = Issue(Authority, "CN=sensor-17, O=Tern Tests", serverAuth: false, now);
        ForeignClient = Issue(ForeignAuthority, "CN=intruder", serverAuth: false, now);

        File.WriteAllText(CaFile, Authority.ExportCertificatePem());
        WritePem(Server, ServerCertificateFile, ServerKeyFile);
        WritePem(Client, ClientCertificateFile, ClientKeyFile);
        WritePem(ForeignClient, ForeignClientCertificateFile, ForeignClientKeyFile);
    }

    /// <summary>The directory holding the files.</summary>
    public string Directory { get; }

    /// <summary>The CA that signed <see cref="Server"/> and <see cref="Client"/>.</summary>
    public X509Certificate2 Authority { get; }

    /// <summary>A CA the broker does not trust.</summary>
    public X509Certificate2 ForeignAuthority { get; }

    /// <summary>The server certificate (CN=localhost, SAN localhost and 127.0.0.1), with its private key.</summary>
    public X509Certificate2 Server { get; }

    /// <summary>A client certificate (CN=sensor-17) from <see cref="Authority"/>, with its private key.</summary>
    public X509Certificate2 Client { get; }

    /// <summary>A client certificate (CN=intruder) from <see cref="ForeignAuthority"/>, with its private key.</summary>
    public X509Certificate2 ForeignClient { get; }

    /// <summary>ca.pem: <see cref="Authority"/>.</summary>
    public string CaFile => Path.Combine(Directory, "ca.pem");

    /// <summary>server.pem.</summary>
    public string ServerCertificateFile => Path.Combine(Directory, "server.pem");

    /// <summary>server.key (PKCS#8 PEM).</summary>
    public string ServerKeyFile => Path.Combine(Directory, "server.key");

    /// <summary>client.pem.</summary>
    public string ClientCertificateFile => Path.Combine(Directory, "client.pem");

    /// <summary>client.key.</summary>
    public string ClientKeyFile => Path.Combine(Directory, "client.key");

    /// <summary>foreign-client.pem.</summary>
    public string ForeignClientCertificateFile => Path.Combine(Directory, "foreign-client.pem");

    /// <summary>foreign-client.key.</summary>
    public string ForeignClientKeyFile => Path.Combine(Directory, "foreign-client.key");

    /// <summary>Makes the certificates in a new temporary directory.</summary>
    public static TestCertificates Create() =>
        new(System.IO.Directory.CreateTempSubdirectory("tern-tls-").FullName);

    /// <summary>Issues another server certificate from <see cref="Authority"/> (a renewed one, for reload tests).</summary>
    public X509Certificate2 IssueServer(string subject = "CN=localhost") => Issue(Authority, subject, serverAuth: true, DateTimeOffset.UtcNow);

    /// <summary>Writes <paramref name="certificate"/> and its key as PEM files.</summary>
    public static void WritePem(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        File.WriteAllText(certificateFile, certificate.ExportCertificatePem());
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetECDsaPrivateKey() ?? certificate.GetRSAPrivateKey()
            ?? throw new InvalidOperationException("The certificate has no private key.");
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Writes <paramref name="certificate"/> with its key as a PFX file protected by <paramref name="password"/>.</summary>
    public static void WritePfx(X509Certificate2 certificate, string file, string? password)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        File.WriteAllBytes(file, certificate.Export(X509ContentType.Pfx, password));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Authority.Dispose();
        ForeignAuthority.Dispose();
        Server.Dispose();
        Client.Dispose();
        ForeignClient.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // A process still holding a file; the temporary directory is cleaned by the system.
        }
    }

    private static X509Certificate2 CreateAuthority(string subject, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        // Longer than the certificates it issues, also those issued later in a test (IssueServer).
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string subject, bool serverAuth, DateTimeOffset now)
    {
        // ECDSA P-256: made in milliseconds (an RSA key takes a busy machine a second), and every client here speaks it.
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [serverAuth ? new Oid("1.3.6.1.5.5.7.3.1") : new Oid("1.3.6.1.5.5.7.3.2")], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(authority, true, false));
        if (serverAuth)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddDnsName("localhost");
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
        }

        byte[] serial = RandomNumberGenerator.GetBytes(8);
        using var issued = request.Create(authority, now.AddMinutes(-5), now.AddDays(1), serial);
        using var withKey = issued.CopyWithPrivateKey(key);

        // Through PKCS#12 so that SslStream can use the key for client authentication.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pfx), null, X509KeyStorageFlags.Exportable);
    }
}
