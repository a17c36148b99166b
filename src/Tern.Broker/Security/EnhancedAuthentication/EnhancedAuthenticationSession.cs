using System.Net;
using System.Text;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker;

/// <summary>
/// The enhanced-authentication state of one MQTT 5.0 connection (5.0 §4.12): checks each AUTH against the state and the
/// Authentication Method, drives the mechanism's exchanges, keeps the user of a re-authentication the same, and tells
/// the channel which packet to send.
/// </summary>
/// <remarks>
/// <para>
/// States: <see cref="EnhancedAuthenticationState.Authenticating"/> from <see cref="StartAsync"/> (CONNECT named the
/// method) to CONNACK; <see cref="EnhancedAuthenticationState.Authenticated"/> after it;
/// <see cref="EnhancedAuthenticationState.Reauthenticating"/> from AUTH 0x19 to AUTH 0x00; <see cref="EnhancedAuthenticationState.Closed"/>
/// after any failure. Nothing here sends, logs or closes: the channel does, from the <see cref="EnhancedAuthenticationReply"/>.
/// </para>
/// <para>
/// Not thread-safe: the channel's read loop calls it, and awaits each step before it processes the next packet.
/// The Authentication Data is copied before the first await, so the receive buffer may be reused at once.
/// </para>
/// </remarks>
internal sealed class EnhancedAuthenticationSession
{
    private readonly IEnhancedAuthenticationMechanism _mechanism;
    private readonly byte[] _methodUtf8;
    private readonly string _clientIdentifier;
    private readonly EndPoint? _remoteEndPoint;
    private IEnhancedAuthenticationExchange? _exchange;
    private bool _stepInProgress;

    public EnhancedAuthenticationSession(IEnhancedAuthenticationMechanism mechanism, string clientIdentifier, EndPoint? remoteEndPoint = null)
    {
        ArgumentNullException.ThrowIfNull(mechanism);
        ArgumentNullException.ThrowIfNull(clientIdentifier);
        _mechanism = mechanism;
        _methodUtf8 = Encoding.UTF8.GetBytes(mechanism.Name);
        _clientIdentifier = clientIdentifier;
        _remoteEndPoint = remoteEndPoint;
    }

    /// <summary>The Authentication Method: the mechanism's name, which every AUTH and the successful CONNACK carry ([MQTT-4.12.0-5] in 5.0).</summary>
    public string Method => _mechanism.Name;

    /// <summary>The user the connection is authenticated as; null until the initial authentication succeeds.</summary>
    public string? UserName { get; private set; }

    /// <summary>Where the connection stands.</summary>
    public EnhancedAuthenticationState State { get; private set; }

    /// <summary>
    /// Whether CONNACK is still to come: until then the client may send only AUTH and DISCONNECT ([MQTT-3.1.2-30] in
    /// 5.0), anything else is a Protocol Error the channel answers with CONNACK 0x82.
    /// </summary>
    public bool IsAwaitingConnAck => State is EnhancedAuthenticationState.NotStarted or EnhancedAuthenticationState.Authenticating;

    /// <summary>
    /// Finds the mechanism that CONNECT's Authentication Method names. False means the broker does not offer it: the
    /// channel answers CONNACK 0x8C and closes ([MQTT-4.12.0-1] in 5.0).
    /// </summary>
    public static bool TryCreate(
        IEnumerable<IEnhancedAuthenticationMechanism> mechanisms,
        ReadOnlySpan<byte> authenticationMethod,
        string clientIdentifier,
        EndPoint? remoteEndPoint,
        out EnhancedAuthenticationSession? session)
    {
        ArgumentNullException.ThrowIfNull(mechanisms);
        foreach (var mechanism in mechanisms)
        {
            if (Utf8Equals(authenticationMethod, mechanism.Name))
            {
                session = new EnhancedAuthenticationSession(mechanism, clientIdentifier, remoteEndPoint);
                return true;
            }
        }

        session = null;
        return false;
    }

    /// <summary>Starts the initial authentication with CONNECT's Authentication Data (empty when it had none).</summary>
    /// <exception cref="InvalidOperationException">Called twice.</exception>
    public ValueTask<EnhancedAuthenticationReply> StartAsync(ReadOnlySpan<byte> authenticationData, CancellationToken cancellationToken = default)
    {
        if (State != EnhancedAuthenticationState.NotStarted)
        {
            throw new InvalidOperationException("The initial authentication has already started.");
        }

        State = EnhancedAuthenticationState.Authenticating;
        return Begin(new EnhancedAuthenticationContext(_clientIdentifier, _remoteEndPoint), authenticationData, cancellationToken);
    }

    /// <summary>Handles an AUTH from the client: the next step of an exchange (0x18) or a re-authentication (0x19).</summary>
    /// <exception cref="InvalidOperationException">Called before <see cref="StartAsync"/>, after the session closed, or while a step is in progress.</exception>
    public ValueTask<EnhancedAuthenticationReply> ReceiveAuthAsync(scoped in AuthPacket auth, CancellationToken cancellationToken = default)
    {
        if (State is EnhancedAuthenticationState.NotStarted or EnhancedAuthenticationState.Closed || _stepInProgress)
        {
            throw new InvalidOperationException("No AUTH is expected now: the channel must not pass one before StartAsync, after a failure, or during a step.");
        }

        if (!auth.Properties.TryGetBytes(PropertyId.AuthenticationMethod, out var method))
        {
            return Refuse(ReasonCode.ProtocolError, "5.0 §3.15.2.2.2: AUTH without an Authentication Method");
        }

        if (!method.SequenceEqual(_methodUtf8))
        {
            return Refuse(ReasonCode.BadAuthenticationMethod, "5.0 MQTT-4.12.0-5: AUTH with another Authentication Method than CONNECT's");
        }

        return (State, auth.ReasonCode) switch
        {
            (EnhancedAuthenticationState.Authenticating or EnhancedAuthenticationState.Reauthenticating, ReasonCode.ContinueAuthentication) =>
                Step(auth.AuthenticationData, cancellationToken),
            (EnhancedAuthenticationState.Authenticating, _) =>
                Refuse(ReasonCode.ProtocolError, "5.0 MQTT-4.12.0-3: the client answers the server's AUTH with AUTH 0x18 until CONNACK"),
            (EnhancedAuthenticationState.Authenticated, ReasonCode.ReAuthenticate) =>
                Reauthenticate(auth.AuthenticationData, cancellationToken),
            (EnhancedAuthenticationState.Authenticated, _) =>
                Refuse(ReasonCode.ProtocolError, "5.0 §4.12.1: after CONNACK a client starts with AUTH 0x19; it sends 0x18 only to answer the server's 0x18"),
            _ =>
                Refuse(ReasonCode.ProtocolError, "5.0 §4.12.1: during re-authentication the client answers the server's AUTH with AUTH 0x18"),
        };
    }

    /// <summary>The client closed (DISCONNECT or the network): no further step may run.</summary>
    public void Close() => State = EnhancedAuthenticationState.Closed;

    private ValueTask<EnhancedAuthenticationReply> Reauthenticate(ReadOnlySpan<byte> authenticationData, CancellationToken cancellationToken)
    {
        State = EnhancedAuthenticationState.Reauthenticating;
        return Begin(new EnhancedAuthenticationContext(_clientIdentifier, _remoteEndPoint, UserName), authenticationData, cancellationToken);
    }

    private ValueTask<EnhancedAuthenticationReply> Begin(EnhancedAuthenticationContext context, ReadOnlySpan<byte> authenticationData, CancellationToken cancellationToken)
    {
        try
        {
            _exchange = _mechanism.CreateExchange(context) ?? throw new InvalidOperationException($"{_mechanism.GetType().Name}.CreateExchange returned null.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new ValueTask<EnhancedAuthenticationReply>(Crashed(exception));
        }

        return Step(authenticationData, cancellationToken);
    }

    private ValueTask<EnhancedAuthenticationReply> Step(ReadOnlySpan<byte> authenticationData, CancellationToken cancellationToken)
    {
        // A copy: the span points into the receive buffer, which the channel reuses once this returns.
        byte[] data = authenticationData.ToArray();
        ValueTask<EnhancedAuthenticationResult> pending;
        try
        {
            pending = _exchange!.StepAsync(data, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            State = EnhancedAuthenticationState.Closed;
            throw;
        }
        catch (Exception exception)
        {
            return new ValueTask<EnhancedAuthenticationReply>(Crashed(exception));
        }

        // The built-in SCRAM mechanism always completes synchronously: no state machine, no allocation for the await.
        if (pending.IsCompletedSuccessfully)
        {
            return new ValueTask<EnhancedAuthenticationReply>(Complete(pending.Result));
        }

        _stepInProgress = true;
        return AwaitStepAsync(pending);
    }

    private async ValueTask<EnhancedAuthenticationReply> AwaitStepAsync(ValueTask<EnhancedAuthenticationResult> pending)
    {
        try
        {
            return Complete(await pending.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            State = EnhancedAuthenticationState.Closed;
            throw;
        }
        catch (Exception exception)
        {
            return Crashed(exception);
        }
        finally
        {
            _stepInProgress = false;
        }
    }

    private EnhancedAuthenticationReply Complete(EnhancedAuthenticationResult? result)
    {
        if (result is null)
        {
            return Crashed(new InvalidOperationException($"{_exchange!.GetType().Name}.StepAsync returned null."));
        }

        bool reauthenticating = State == EnhancedAuthenticationState.Reauthenticating;
        switch (result.Outcome)
        {
            case EnhancedAuthenticationOutcome.Continue:
                return new EnhancedAuthenticationReply(EnhancedAuthenticationAction.SendAuthContinue, ReasonCode.ContinueAuthentication, result.Data);

            case EnhancedAuthenticationOutcome.Success when !reauthenticating:
                State = EnhancedAuthenticationState.Authenticated;
                UserName = result.UserName;
                _exchange = null;
                return new EnhancedAuthenticationReply(EnhancedAuthenticationAction.AcceptConnection, ReasonCode.Success, result.Data, result.UserName);

            case EnhancedAuthenticationOutcome.Success when string.Equals(result.UserName, UserName, StringComparison.Ordinal):
                State = EnhancedAuthenticationState.Authenticated;
                _exchange = null;
                return new EnhancedAuthenticationReply(EnhancedAuthenticationAction.SendAuthSuccess, ReasonCode.Success, result.Data, result.UserName);

            case EnhancedAuthenticationOutcome.Success:
                // 5.0 §4.12.1 (non-normative): a server may refuse a re-authentication that changes the User Name.
                // Tern always does: the session, its subscriptions and its authorization belong to the first user.
                return Fail(ReasonCode.NotAuthorized, "re-authentication as another user", null);

            default:
                return Fail(result.ReasonCode, result.Description, null);
        }
    }

    private ValueTask<EnhancedAuthenticationReply> Refuse(ReasonCode reasonCode, string description) =>
        new(Fail(reasonCode, description, null));

    private EnhancedAuthenticationReply Crashed(Exception exception) =>
        Fail(ReasonCode.UnspecifiedError, $"{_mechanism.Name} failed: {exception.Message}", exception);

    private EnhancedAuthenticationReply Fail(ReasonCode reasonCode, string? description, Exception? error)
    {
        bool connected = State is EnhancedAuthenticationState.Authenticated or EnhancedAuthenticationState.Reauthenticating;
        State = EnhancedAuthenticationState.Closed;
        _exchange = null;
        if (!connected)
        {
            return new EnhancedAuthenticationReply(EnhancedAuthenticationAction.RefuseConnection, reasonCode, Description: description, Error: error);
        }

        // 0x86 Bad User Name or Password is a CONNACK-only code (5.0 Table 2-6): after CONNACK the refusal is 0x87.
        var code = ReasonCodes.IsAllowedIn(reasonCode, PacketType.Disconnect) ? reasonCode : ReasonCode.NotAuthorized;
        return new EnhancedAuthenticationReply(EnhancedAuthenticationAction.Disconnect, code, Description: description, Error: error);
    }

    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string text)
    {
        // Method names are short; a stack buffer avoids encoding to the heap for the comparison.
        int max = Encoding.UTF8.GetMaxByteCount(text.Length);
        Span<byte> buffer = max <= 256 ? stackalloc byte[max] : new byte[max];
        int length = Encoding.UTF8.GetBytes(text, buffer);
        return utf8.SequenceEqual(buffer[..length]);
    }
}
