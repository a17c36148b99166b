using System.Text;

namespace Tern.Broker;

/// <summary>
/// Who a connected client is, as given to every <see cref="IMqttAuthorizer"/> call. The broker creates one per
/// connection when CONNECT is accepted, so a check allocates nothing.
/// </summary>
/// <remarks>Immutable and thread-safe.</remarks>
public sealed class MqttClientContext
{
    private readonly byte[] _clientIdUtf8;
    private readonly byte[]? _userNameUtf8;

    /// <summary>Describes a connected client.</summary>
    /// <param name="clientId">The client identifier (assigned by the broker when the client sent none).</param>
    /// <param name="userName">
    /// The identity the authenticator accepted (<see cref="MqttAuthenticationResult.UserName"/>); null for an anonymous
    /// client. A user name an anonymous client sent but nobody verified is not an identity and must not be passed here.
    /// </param>
    /// <param name="listenerName">The listener the client connected to; empty when unnamed.</param>
    public MqttClientContext(string clientId, string? userName, string listenerName = "")
    {
        ArgumentNullException.ThrowIfNull(clientId);
        ArgumentNullException.ThrowIfNull(listenerName);
        ClientId = clientId;
        UserName = userName;
        ListenerName = listenerName;
        _clientIdUtf8 = Encoding.UTF8.GetBytes(clientId);
        _userNameUtf8 = userName is null ? null : Encoding.UTF8.GetBytes(userName);
    }

    /// <summary>The client identifier.</summary>
    public string ClientId { get; }

    /// <summary>The authenticated identity; null for an anonymous client.</summary>
    public string? UserName { get; }

    /// <summary>True when the client was admitted without an identity (<see cref="UserName"/> is null).</summary>
    public bool IsAnonymous => UserName is null;

    /// <summary>The listener the client connected to; empty when unnamed.</summary>
    public string ListenerName { get; }

    /// <summary>The client identifier as UTF-8, computed once.</summary>
    public ReadOnlySpan<byte> ClientIdUtf8 => _clientIdUtf8;

    /// <summary>The user name as UTF-8, computed once; empty for an anonymous client (check <see cref="IsAnonymous"/>).</summary>
    public ReadOnlySpan<byte> UserNameUtf8 => _userNameUtf8;
}
