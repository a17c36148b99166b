namespace Tern.Broker;

/// <summary>The hash function of a SCRAM mechanism: it names the mechanism and sizes its keys.</summary>
public enum ScramHash
{
    /// <summary>SHA-256: the mechanism <c>SCRAM-SHA-256</c> (RFC 7677), 32-byte keys.</summary>
    Sha256,

    /// <summary>SHA-512: the mechanism <c>SCRAM-SHA-512</c> (registered with IANA's SASL mechanisms), 64-byte keys.</summary>
    Sha512,
}
