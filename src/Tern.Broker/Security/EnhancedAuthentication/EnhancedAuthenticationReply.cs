using Tern.Protocol;

namespace Tern.Broker;

/// <summary>The packet the channel sends for one step of enhanced authentication.</summary>
internal enum EnhancedAuthenticationAction
{
    /// <summary>AUTH 0x18 with the Authentication Method and <see cref="EnhancedAuthenticationReply.Data"/>; then wait for the client's AUTH ([MQTT-4.12.0-2] in 5.0).</summary>
    SendAuthContinue,

    /// <summary>The initial authentication succeeded: CONNACK 0x00 with the Authentication Method ([MQTT-4.12.0-5] in 5.0) and the data; the connection is the user's.</summary>
    AcceptConnection,

    /// <summary>A re-authentication succeeded: AUTH 0x00 with the Authentication Method and the data (5.0 §4.12.1).</summary>
    SendAuthSuccess,

    /// <summary>The initial authentication failed or broke the protocol: CONNACK with the reason code, then close ([MQTT-4.12.0-4] in 5.0).</summary>
    RefuseConnection,

    /// <summary>A re-authentication failed or broke the protocol after CONNACK: DISCONNECT with the reason code, then close ([MQTT-4.12.1-2] in 5.0).</summary>
    Disconnect,
}

/// <summary>What the channel does after one step of enhanced authentication; see <see cref="EnhancedAuthenticationSession"/>.</summary>
/// <param name="Action">The packet to send.</param>
/// <param name="ReasonCode">Its reason code: 0x18, 0x00, or a failure code that the packet may carry.</param>
/// <param name="Data">The Authentication Data to send; empty means none.</param>
/// <param name="UserName">The authenticated user, on success.</param>
/// <param name="Description">Why it failed, for the log only (never sent: it may tell more than the client should know).</param>
/// <param name="Error">The exception a mechanism threw, for the log; the reply is then 0x80 Unspecified error.</param>
internal readonly record struct EnhancedAuthenticationReply(
    EnhancedAuthenticationAction Action,
    ReasonCode ReasonCode,
    ReadOnlyMemory<byte> Data = default,
    string? UserName = null,
    string? Description = null,
    Exception? Error = null)
{
    /// <summary>Whether the connection must close after the packet is sent.</summary>
    public bool ClosesConnection => Action is EnhancedAuthenticationAction.RefuseConnection or EnhancedAuthenticationAction.Disconnect;
}
