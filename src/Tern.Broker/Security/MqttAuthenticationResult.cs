using Tern.Protocol;

namespace Tern.Broker;

/// <summary>The answer of an <see cref="IMqttAuthenticator"/>: accepted (as a user, or anonymously) or refused with a reason code.</summary>
/// <remarks>
/// The broker sends a refusal as CONNACK with the reason code to a 5.0 client and with the closest return code to a
/// 3.1 / 3.1.1 client (<see cref="ReasonCodes.ToConnectReturnCode(ReasonCode)"/>: 0x86 → 4, 0x87 and 0x8A → 5), then closes.
/// </remarks>
public readonly record struct MqttAuthenticationResult
{
    private MqttAuthenticationResult(ReasonCode reasonCode, string? userName)
    {
        ReasonCode = reasonCode;
        UserName = userName;
    }

    /// <summary>The client may connect, admitted anonymously (no identity): anonymous ACL rules apply to it.</summary>
    public static MqttAuthenticationResult AcceptedAnonymous { get; } = new(ReasonCode.Success, null);

    /// <summary>Refused: 0x86 Bad User Name or Password.</summary>
    public static MqttAuthenticationResult BadUserNameOrPassword { get; } = new(ReasonCode.BadUserNameOrPassword, null);

    /// <summary>Refused: 0x87 Not authorized.</summary>
    public static MqttAuthenticationResult NotAuthorized { get; } = new(ReasonCode.NotAuthorized, null);

    /// <summary>True when the client may connect.</summary>
    public bool IsAccepted => ReasonCode == ReasonCode.Success;

    /// <summary><see cref="ReasonCode.Success"/> when accepted; otherwise the CONNACK reason code of the refusal (0x80 or above).</summary>
    public ReasonCode ReasonCode { get; }

    /// <summary>
    /// The identity an accepted client acts as, which ACL rules and <c>%u</c> use; it may differ from the User Name of
    /// CONNECT (for example a certificate's subject). Null when the client was admitted anonymously or refused.
    /// </summary>
    public string? UserName { get; }

    /// <summary>True for an accepted client without an identity.</summary>
    public bool IsAnonymous => IsAccepted && UserName is null;

    /// <summary>Accepts the client.</summary>
    /// <param name="userName">The identity the client acts as; null admits it anonymously.</param>
    public static MqttAuthenticationResult Accept(string? userName) =>
        userName is null ? AcceptedAnonymous : new(ReasonCode.Success, userName);

    /// <summary>
    /// Refuses the client with a CONNACK reason code: usually 0x86 Bad User Name or Password, 0x87 Not authorized,
    /// 0x8A Banned, 0x85 Client Identifier not valid, 0x89 Server busy or 0x9F Connection rate exceeded.
    /// </summary>
    /// <param name="reasonCode">A failure code (0x80 or above) that 5.0 allows in CONNACK (5.0 §3.2.2.2).</param>
    /// <exception cref="ArgumentException"><paramref name="reasonCode"/> is a success code or not allowed in CONNACK.</exception>
    public static MqttAuthenticationResult Refuse(ReasonCode reasonCode)
    {
        if (!ReasonCodes.IsFailure(reasonCode) || !ReasonCodes.IsAllowedIn(reasonCode, PacketType.ConnAck))
        {
            throw new ArgumentException($"0x{(byte)reasonCode:X2} is not a CONNACK failure reason code.", nameof(reasonCode));
        }

        return new(reasonCode, null);
    }
}
