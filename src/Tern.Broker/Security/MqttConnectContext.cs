using System.Net;
using System.Security.Cryptography.X509Certificates;
using Tern.Protocol;

namespace Tern.Broker;

/// <summary>What a connecting client presented, as given to <see cref="IMqttAuthenticator.AuthenticateAsync"/>.</summary>
/// <remarks>The broker builds one per CONNECT. Nothing here is secret except <see cref="Password"/>, which is never logged.</remarks>
public sealed class MqttConnectContext
{
    /// <summary>The client identifier: the one in CONNECT, or the one the broker assigned when CONNECT carried none.</summary>
    public required string ClientId { get; init; }

    /// <summary>The User Name of CONNECT, or null when the User Name Flag was 0.</summary>
    public string? UserName { get; init; }

    /// <summary>Whether CONNECT carried a Password (the Password Flag was 1); a present password may be empty.</summary>
    public bool HasPassword { get; init; }

    /// <summary>
    /// The Password of CONNECT: binary data, not necessarily UTF-8 (3.1.1 §3.1.3.5, 5.0 §3.1.3.6). Empty when
    /// <see cref="HasPassword"/> is false. Valid only during the call: the broker clears the bytes afterwards, so copy
    /// nothing of it and keep no reference.
    /// </summary>
    public ReadOnlyMemory<byte> Password { get; init; }

    /// <summary>The client's address and port, or null when the transport does not have one.</summary>
    public EndPoint? RemoteEndPoint { get; init; }

    /// <summary>The name of the listener the client connected to, for per-listener policies (RELIABILITY E15). Empty when unnamed.</summary>
    public string ListenerName { get; init; } = string.Empty;

    /// <summary>The protocol version of the CONNECT (3.1, 3.1.1 or 5.0).</summary>
    public ProtocolVersion ProtocolVersion { get; init; }

    /// <summary>The certificate the client presented in the TLS handshake, already verified by the listener; null on plain TCP or without one.</summary>
    public X509Certificate2? ClientCertificate { get; init; }
}
