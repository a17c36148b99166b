namespace Tern.Broker;

/// <summary>
/// Decides whether a client may connect: called once per CONNECT, after the packet decoded and before CONNACK.
/// Register one in the broker's services to replace the built-in password file check.
/// </summary>
/// <remarks>
/// <para>
/// The call is asynchronous so an implementation may ask a database or an identity provider; it runs off the
/// connection's read loop and nothing else of that connection happens until it completes. Complete promptly and honour
/// the cancellation token of <see cref="AuthenticateAsync"/>: the broker cancels it when the connection
/// closes or the connect timeout expires.
/// </para>
/// <para>
/// Thread safety: one instance serves every connection at once, so implementations must be thread-safe.
/// An exception thrown by an implementation refuses the client (5.0 0x80 Unspecified error, 3.1.1 closes the
/// connection); it is logged without the password.
/// </para>
/// </remarks>
public interface IMqttAuthenticator
{
    /// <summary>Authenticates one connecting client.</summary>
    /// <param name="context">What the client presented; the password bytes are valid only until the returned task completes.</param>
    /// <param name="cancellationToken">Cancelled when the connection goes away before an answer.</param>
    /// <returns>
    /// <see cref="MqttAuthenticationResult.Accept(string?)"/> with the identity the client acts as (null: admitted
    /// anonymously), or <see cref="MqttAuthenticationResult.Refuse(Tern.Protocol.ReasonCode)"/> with the reason code.
    /// </returns>
    ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttConnectContext context, CancellationToken cancellationToken);
}
