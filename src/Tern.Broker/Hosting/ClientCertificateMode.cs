namespace Tern.Broker;

/// <summary>Whether a TLS listener asks for client certificates.</summary>
public enum ClientCertificateMode
{
    /// <summary>No client certificate is asked for.</summary>
    None,

    /// <summary>A client certificate is asked for; clients without one may still connect (and authenticate otherwise).</summary>
    Optional,

    /// <summary>Connections without a client certificate that chains to <see cref="ListenerTlsOptions.CaFile"/> are refused during the TLS handshake.</summary>
    Required,
}
