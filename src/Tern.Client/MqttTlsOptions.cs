using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace Tern.Client;

/// <summary>
/// TLS for <c>mqtts</c> (TCP, usually port 8883) and <c>wss</c> connections. Setting <see cref="MqttClientOptions.Tls"/>
/// turns TLS on; the defaults validate the server against the system's trusted roots and the host name.
/// </summary>
public sealed record MqttTlsOptions
{
    /// <summary>The name the server certificate must carry; default: <see cref="MqttClientOptions.Host"/>.</summary>
    public string? TargetHost { get; init; }

    /// <summary>Certificates (with private keys) presented to a broker that asks for a client certificate.</summary>
    public X509CertificateCollection? ClientCertificates { get; init; }

    /// <summary>
    /// Certificate authorities trusted instead of the system's roots, e.g. a private CA's certificate loaded with
    /// <c>X509Certificate2.CreateFromPemFile</c>. The chain is built with a custom trust store; the host name is still checked.
    /// </summary>
    public X509Certificate2Collection? TrustedCertificateAuthorities { get; init; }

    /// <summary>Accept any server certificate. For tests only: it gives up every protection TLS offers. Default false.</summary>
    public bool AllowUntrustedCertificates { get; init; }

    /// <summary>A validation callback of your own; when set it alone decides.</summary>
    public RemoteCertificateValidationCallback? CertificateValidation { get; init; }

    /// <summary>The TLS versions allowed; default <see cref="SslProtocols.None"/> lets the system choose (TLS 1.2 and 1.3).</summary>
    public SslProtocols EnabledProtocols { get; init; } = SslProtocols.None;
}
