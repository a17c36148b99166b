namespace Tern.Broker;

/// <summary>The TLS settings of a listener.</summary>
public sealed class ListenerTlsOptions
{
    /// <summary>The server certificate: a PEM file (with <see cref="KeyFile"/>) or a PFX / PKCS#12 file (with <see cref="Password"/>).</summary>
    public string? CertificateFile { get; set; }

    /// <summary>The PEM private key of <see cref="CertificateFile"/>; null when the certificate file holds the key.</summary>
    public string? KeyFile { get; set; }

    /// <summary>The password of a PFX file or an encrypted PEM key.</summary>
    public string? Password { get; set; }

    /// <summary>Whether client certificates are asked for. Default <see cref="ClientCertificateMode.None"/>.</summary>
    public ClientCertificateMode ClientCertificateMode { get; set; }

    /// <summary>The PEM file of the certificate authorities client certificates must chain to.</summary>
    public string? CaFile { get; set; }

    /// <summary>When true, a client with a verified certificate is authenticated as the certificate's subject common name (Mosquitto's <c>use_identity_as_username</c>).</summary>
    public bool UseCertificateIdentityAsUserName { get; set; }
}
