using System.Security.Cryptography;
using System.Text;
using Tern.Broker.Diagnostics;
using Tern.Broker.Security;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Channel;

/// <summary>
/// Authentication of CONNECT (docs/security.md): a verified client certificate's common name, else the authenticator
/// (an embedder's <see cref="IMqttAuthenticator"/> or the password file), else anonymous where the listener allows it.
/// </summary>
internal sealed partial class MqttChannel
{
    private MqttClientContext? _client;
    private Task<bool>? _pendingWork;

    /// <summary>The user name of the CONNECT being authenticated (null without one, and once the CONNECT is accepted).</summary>
    private string? ConnectUserName => _pendingConnect?.UserName;

    /// <summary>Who the connected client is, for authorization; null before CONNACK.</summary>
    public MqttClientContext? Client => _client;

    /// <summary>
    /// Takes the work the read loop must wait for before it hands over the next packet: an authenticator that did not
    /// answer at once. Meanwhile the packets the client sent after CONNECT stay unread in the transport, so nothing of
    /// the connection is processed before CONNACK ([MQTT-3.1.4-5] in 5.0) and the read loop's thread is not held.
    /// The task's result is false when the connection must close.
    /// </summary>
    public Task<bool>? TakePendingWork() => Interlocked.Exchange(ref _pendingWork, null);

    /// <summary>Whether <see cref="TakePendingWork"/> has something: the read loop stops handing over packets.</summary>
    public bool HasPendingWork => Volatile.Read(ref _pendingWork) is not null;

    /// <summary>Authenticates a decoded, otherwise acceptable CONNECT; <see cref="_pendingConnect"/> is set.</summary>
    private bool Authenticate(in ConnectPacket connect)
    {
        var listener = _connection.Listener;
        string? userName = connect.HasUserName ? Encoding.UTF8.GetString(connect.UserName) : null;
        _pendingConnect!.UserName = userName;
        if (_engine.AuthFailures.IsBanned(_connection.PeerEndPoint))
        {
            // Refused before any password is hashed: guessing from a banned address costs the broker nothing.
            _engine.Metrics.LimitHit("auth_failures");
            return RefuseAuthentication(ReasonCode.Banned, "too many failed authentications from this address; try again later");
        }

        if (listener.Tls.UseCertificateIdentityAsUserName && _connection.ClientCertificate is { } certificate)
        {
            // The listener verified the certificate: it is the credential, and its subject's CN the identity (Mosquitto's
            // use_identity_as_username). The CONNECT's user name and password are ignored.
            return Transport.CertificateIdentity.GetCommonName(certificate) is { } identity
                ? AcceptIdentity(identity, default)
                : RefuseAuthentication(ReasonCode.NotAuthorized, "the client certificate's subject has no common name (CN)");
        }

        if (_engine.Security.Authenticator is not { } authenticator)
        {
            // Nobody can verify credentials: a user name is not an identity, so the client is anonymous.
            return AcceptIdentity(null, default);
        }

        byte[] password = connect.HasPassword ? connect.Password.ToArray() : [];
        var context = new MqttConnectContext
        {
            ClientId = ClientId,
            UserName = userName,
            HasPassword = connect.HasPassword,
            Password = password,
            RemoteEndPoint = _connection.PeerEndPoint,
            ListenerName = listener.DisplayName,
            ProtocolVersion = ProtocolVersion,
            ClientCertificate = _connection.ClientCertificate,
        };

        // The answer must come within what is left of the connect timeout; the heartbeat closes the connection then too.
        var left = _engine.Options.ConnectTimeout - _engine.TimeProvider.GetElapsedTime(_createdAt);
        var cancellation = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1), _engine.TimeProvider);
        ValueTask<MqttAuthenticationResult> answer;
        try
        {
            answer = authenticator.AuthenticateAsync(context, cancellation.Token);
        }
        catch (Exception ex)
        {
            answer = ValueTask.FromException<MqttAuthenticationResult>(ex);
        }

        if (answer.IsCompleted)
        {
            cancellation.Dispose();
            var (result, error) = Outcome(answer);
            CryptographicOperations.ZeroMemory(password);
            return OnAuthenticated(result, error, timedOut: false);
        }

        Volatile.Write(ref _state, (int)ChannelState.Authenticating);
        Volatile.Write(ref _pendingWork, AwaitAuthenticationAsync(answer, password, cancellation));
        return true;
    }

    private async Task<bool> AwaitAuthenticationAsync(ValueTask<MqttAuthenticationResult> answer, byte[] password, CancellationTokenSource cancellation)
    {
        MqttAuthenticationResult result = default;
        Exception? error = null;
        bool timedOut = false;
        try
        {
            result = await answer.AsTask().WaitAsync(cancellation.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            timedOut = true;
        }
        catch (Exception ex)
        {
            error = ex;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
            cancellation.Dispose();
        }

        if (Volatile.Read(ref _closeReason) != (int)CloseReason.None)
        {
            // Closed meanwhile (connect timeout, shutdown): nothing to answer.
            return false;
        }

        return OnAuthenticated(result, error, timedOut);
    }

    private static (MqttAuthenticationResult Result, Exception? Error) Outcome(ValueTask<MqttAuthenticationResult> answer)
    {
        try
        {
            return (answer.Result, null);
        }
        catch (Exception ex)
        {
            return (default, ex);
        }
    }

    private bool OnAuthenticated(MqttAuthenticationResult result, Exception? error, bool timedOut)
    {
        if (error is not null)
        {
            // IMqttAuthenticator: an exception refuses the client (5.0 0x80; 3.1.1 closes), logged without the password.
            BrokerLog.AuthenticatorFailed(Logger, _connection.RemoteEndPoint, ClientId, error);
            return RefuseAuthentication(ReasonCode.UnspecifiedError, "the authenticator failed", logged: true);
        }

        if (timedOut)
        {
            return RefuseAuthentication(ReasonCode.ServerUnavailable, "the authenticator did not answer within the connect timeout");
        }

        if (!result.IsAccepted)
        {
            if (result.ReasonCode == ReasonCode.BadUserNameOrPassword && _engine.AuthFailures.RecordFailure(_connection.PeerEndPoint))
            {
                var security = _engine.Options.Security;
                BrokerLog.AddressBanned(Logger, _connection.RemoteEndPoint, security.MaxAuthFailuresPerAddress, security.AuthFailureBanDuration.TotalSeconds);
            }

            return RefuseAuthentication(result.ReasonCode, result.ReasonCode switch
            {
                ReasonCode.BadUserNameOrPassword => ConnectUserName is null ? "a password without a user name" : "bad user name or password",
                ReasonCode.NotAuthorized => "not authorized",
                _ => "refused by the authenticator",
            });
        }

        return AcceptIdentity(result.UserName, default);
    }

    /// <summary>
    /// The client proved <paramref name="identity"/> (null: it is anonymous). Applies the listener's anonymous policy
    /// and the will's authorization, then accepts the CONNECT.
    /// </summary>
    private bool AcceptIdentity(string? identity, in ConnAckProperties authentication)
    {
        var listener = _connection.Listener;
        if (identity is null && !_engine.Security.AllowsAnonymous(listener))
        {
            return RefuseAuthentication(ReasonCode.NotAuthorized, ConnectUserName is null
                ? $"anonymous clients are not allowed on listener {listener.DisplayName}"
                : $"no authenticator can verify the user name, and anonymous clients are not allowed on listener {listener.DisplayName}");
        }

        if (_engine.IsShuttingDown)
        {
            return Refuse(ReasonCode.ServerUnavailable, "the broker is shutting down");
        }

        var client = new MqttClientContext(ClientId, identity, listener.DisplayName);
        if (_will is { } will && !MayPublish(client, will.Topic, out string? why))
        {
            // Decided at CONNECT (docs/security.md): the client learns at once that its will would never be published.
            BrokerLog.WillDenied(Logger, ClientId, identity ?? "(anonymous)", Encoding.UTF8.GetString(will.Topic), why);
            return RefuseAuthentication(ReasonCode.NotAuthorized, "the will's topic is not allowed", logged: true);
        }

        _client = client;
        if (identity is not null)
        {
            BrokerLog.Authenticated(Logger, ClientId, _connection.RemoteEndPoint, identity, listener.DisplayName);
        }

        return Accept(authentication);
    }

    /// <summary>
    /// Whether <paramref name="client"/> may publish to <paramref name="topic"/>: never to a topic starting with
    /// <c>$</c> (those are the broker's, such as $SYS), and otherwise as the authorizer says, if there is one.
    /// </summary>
    private bool MayPublish(MqttClientContext? client, ReadOnlySpan<byte> topic, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? why)
    {
        if (!topic.IsEmpty && topic[0] == (byte)'$')
        {
            _engine.Metrics.AclDenied("publish");
            why = "clients may not publish to topics starting with $";
            return false;
        }

        if (_engine.Security.Authorization is { } authorization && !authorization.CanPublish(client, topic))
        {
            why = "the ACL does not allow it";
            return false;
        }

        why = null;
        return true;
    }

    /// <summary>
    /// Refuses the CONNECT for authentication or authorization: logged once (event 4000, never the password), counted on
    /// <c>tern.auth.failures</c>, answered with CONNACK (5.0: the reason code; 3.1 / 3.1.1: 4 for 0x86, 5 for 0x87 and
    /// any code those versions do not have, 3 for 0x88) and closed.
    /// </summary>
    private bool RefuseAuthentication(ReasonCode reason, string description, bool logged = false)
    {
        if (!logged)
        {
            BrokerLog.AuthenticationRefused(Logger, _connection.RemoteEndPoint, ClientId, ConnectUserName ?? "(none)", _connection.Listener.DisplayName, (byte)reason, description);
        }

        _engine.Metrics.AuthenticationFailed((byte)reason);
        var sent = IsV5 || ReasonCodes.ToConnectReturnCode(reason) is not null ? reason : ReasonCode.NotAuthorized;
        if (reason == ReasonCode.UnspecifiedError && !IsV5)
        {
            // 3.1.1 has no code for "the server failed": close without CONNACK ([MQTT-3.2.2-5] allows either).
            Close(CloseReason.ProtocolViolation);
            return false;
        }

        SendRefusal(ProtocolVersion, sent, IsV5 ? description : null);
        Close(CloseReason.ProtocolViolation);
        return false;
    }
}
