using System.Net;

namespace Tern.Broker;

/// <summary>What a mechanism is told about the connection it authenticates.</summary>
public sealed class EnhancedAuthenticationContext
{
    /// <summary>Creates a context.</summary>
    /// <param name="clientIdentifier">The Client Identifier of the CONNECT (empty when the broker is to assign one).</param>
    /// <param name="remoteEndPoint">The client's address, when known.</param>
    /// <param name="reauthenticatingUserName">The user the connection is authenticated as, for a re-authentication; null for the initial authentication.</param>
    public EnhancedAuthenticationContext(string clientIdentifier, EndPoint? remoteEndPoint = null, string? reauthenticatingUserName = null)
    {
        ArgumentNullException.ThrowIfNull(clientIdentifier);
        ClientIdentifier = clientIdentifier;
        RemoteEndPoint = remoteEndPoint;
        ReauthenticatingUserName = reauthenticatingUserName;
    }

    /// <summary>The Client Identifier of the CONNECT (empty when the broker is to assign one).</summary>
    public string ClientIdentifier { get; }

    /// <summary>The client's address, when known.</summary>
    public EndPoint? RemoteEndPoint { get; }

    /// <summary>
    /// For a re-authentication (AUTH 0x19, 5.0 §4.12.1), the user the connection is authenticated as; null for the
    /// initial authentication. The broker refuses a re-authentication that ends as another user with 0x87 whatever the
    /// mechanism says, so a mechanism needs this only to fail earlier.
    /// </summary>
    public string? ReauthenticatingUserName { get; }

    /// <summary>Whether this is a re-authentication of a connection already authenticated.</summary>
    public bool IsReauthentication => ReauthenticatingUserName is not null;
}
