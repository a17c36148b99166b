using Tern.Protocol;

namespace Tern.Broker;

/// <summary>
/// The answer of one <see cref="IEnhancedAuthenticationExchange.StepAsync"/>: continue with server data, succeed as a
/// user, or fail with a reason code. Build one with <see cref="Continue"/>, <see cref="Success"/> or <see cref="Failure"/>.
/// </summary>
public sealed class EnhancedAuthenticationResult
{
    private EnhancedAuthenticationResult(EnhancedAuthenticationOutcome outcome, ReasonCode reasonCode, ReadOnlyMemory<byte> data, string? userName, string? description)
    {
        Outcome = outcome;
        ReasonCode = reasonCode;
        Data = data;
        UserName = userName;
        Description = description;
    }

    /// <summary>Continue, succeed or fail.</summary>
    public EnhancedAuthenticationOutcome Outcome { get; }

    /// <summary>0x18 Continue authentication, 0x00 Success, or the failure's reason code (0x80 or above).</summary>
    public ReasonCode ReasonCode { get; }

    /// <summary>
    /// The Authentication Data the broker sends: in AUTH 0x18 on <see cref="EnhancedAuthenticationOutcome.Continue"/>,
    /// in CONNACK 0x00 (or AUTH 0x00) on <see cref="EnhancedAuthenticationOutcome.Success"/>; empty means the property is
    /// left out. Always empty on failure.
    /// </summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>The authenticated user on <see cref="EnhancedAuthenticationOutcome.Success"/>; null otherwise.</summary>
    public string? UserName { get; }

    /// <summary>
    /// Why it failed, for the broker's log. Not meant for the client: a mechanism that keeps user names secret words it
    /// so that it does not tell an unknown user from a wrong password, but another mechanism may not.
    /// </summary>
    public string? Description { get; }

    /// <summary>More is needed from the client; the broker sends AUTH 0x18 carrying <paramref name="serverData"/>.</summary>
    /// <param name="serverData">The challenge; empty to send AUTH 0x18 without Authentication Data.</param>
    public static EnhancedAuthenticationResult Continue(ReadOnlyMemory<byte> serverData) =>
        new(EnhancedAuthenticationOutcome.Continue, ReasonCode.ContinueAuthentication, serverData, null, null);

    /// <summary>The client proved to be <paramref name="userName"/>; the broker sends CONNACK 0x00 (or AUTH 0x00) carrying <paramref name="serverFinalData"/>.</summary>
    /// <param name="serverFinalData">The mechanism's final message (SCRAM's server-final-message); empty to leave the property out.</param>
    /// <param name="userName">The authenticated identity.</param>
    /// <exception cref="ArgumentNullException"><paramref name="userName"/> is null.</exception>
    public static EnhancedAuthenticationResult Success(ReadOnlyMemory<byte> serverFinalData, string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return new(EnhancedAuthenticationOutcome.Success, ReasonCode.Success, serverFinalData, userName, null);
    }

    /// <summary>The client is refused with <paramref name="reasonCode"/>.</summary>
    /// <param name="reasonCode">
    /// A CONNACK reason code of 0x80 or above: typically 0x86 Bad User Name or Password, 0x87 Not authorized or 0x8C Bad
    /// authentication method. On re-authentication the broker sends it in DISCONNECT when DISCONNECT allows it, and 0x87
    /// otherwise (0x86 is a CONNACK-only code, 5.0 Table 2-6).
    /// </param>
    /// <param name="description">Why, for the broker's log.</param>
    /// <exception cref="ArgumentOutOfRangeException">The code is below 0x80 or not one CONNACK may carry.</exception>
    public static EnhancedAuthenticationResult Failure(ReasonCode reasonCode, string? description = null)
    {
        if ((byte)reasonCode < 0x80 || !ReasonCodes.IsAllowedIn(reasonCode, PacketType.ConnAck))
        {
            throw new ArgumentOutOfRangeException(nameof(reasonCode), reasonCode, "A failure needs a CONNACK reason code of 0x80 or above.");
        }

        return new(EnhancedAuthenticationOutcome.Failure, reasonCode, ReadOnlyMemory<byte>.Empty, null, description);
    }

    /// <inheritdoc/>
    public override string ToString() => Outcome switch
    {
        EnhancedAuthenticationOutcome.Success => $"Success as '{UserName}'",
        EnhancedAuthenticationOutcome.Failure => $"Failure 0x{(byte)ReasonCode:X2}: {Description}",
        _ => $"Continue ({Data.Length} bytes)",
    };
}
