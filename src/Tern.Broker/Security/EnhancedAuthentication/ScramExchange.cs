using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Tern.Broker;

/// <summary>
/// The server side of one SCRAM exchange (RFC 5802 §3 and §5): client-first-message in, server-first-message out,
/// client-final-message in, server-final-message out. Not thread-safe: one connection drives it, one step at a time.
/// </summary>
internal sealed class ScramExchange : IEnhancedAuthenticationExchange
{
    // The same words for a wrong password and an unknown user, so that not even the log line a careless embedder
    // forwards to the client tells which users exist.
    private const string InvalidProof = "invalid-proof: wrong password or unknown user";

    private readonly ScramMechanism _mechanism;
    private Stage _stage;
    private bool _sentEmptyChallenge;
    private ClientFirstMessage? _clientFirst;
    private ScramCredential? _credential;
    private bool _userKnown;
    private string _serverFirst = string.Empty;
    private string _nonce = string.Empty;

    public ScramExchange(ScramMechanism mechanism) => _mechanism = mechanism;

    private enum Stage
    {
        AwaitingClientFirst,
        AwaitingClientFinal,
        Done,
    }

    /// <inheritdoc/>
    public ValueTask<EnhancedAuthenticationResult> StepAsync(ReadOnlyMemory<byte> clientData, CancellationToken cancellationToken = default)
    {
        // Everything is in memory: the credential store is synchronous, so the step completes before it returns.
        return cancellationToken.IsCancellationRequested
            ? ValueTask.FromCanceled<EnhancedAuthenticationResult>(cancellationToken)
            : new ValueTask<EnhancedAuthenticationResult>(Step(clientData.Span));
    }

    private EnhancedAuthenticationResult Step(ReadOnlySpan<byte> clientData)
    {
        switch (_stage)
        {
            case Stage.AwaitingClientFirst:
                return OnClientFirst(clientData);
            case Stage.AwaitingClientFinal:
                return OnClientFinal(clientData);
            default:
                throw new InvalidOperationException("The SCRAM exchange is over; re-authentication starts a new exchange.");
        }
    }

    private EnhancedAuthenticationResult OnClientFirst(ReadOnlySpan<byte> clientData)
    {
        if (clientData.IsEmpty && !_sentEmptyChallenge)
        {
            // The client SHOULD put client-first-message in CONNECT (5.0 §4.12) but need not: as a SASL server does
            // when there is no initial response (RFC 4422 §5), ask for it with an empty challenge, once.
            _sentEmptyChallenge = true;
            return EnhancedAuthenticationResult.Continue(ReadOnlyMemory<byte>.Empty);
        }

        if (!TryDecode(clientData, out string message, out var failed)
            || !Fail(ScramMessages.TryParseClientFirst(message, out _clientFirst, out var failure), failure, out failed))
        {
            return failed!;
        }

        var first = _clientFirst!;
        _userKnown = _mechanism.Credentials.TryGetCredential(first.UserName, _mechanism.Hash, out var credential)
            && credential.StoredKey.Length == ScramAlgorithm.KeySize(_mechanism.Hash)
            && credential.ServerKey.Length == ScramAlgorithm.KeySize(_mechanism.Hash);
        _credential = _userKnown ? credential : _mechanism.FakeCredential(first.UserName);

        _nonce = first.ClientNonce + NewServerNonce();
        _serverFirst = string.Create(
            CultureInfo.InvariantCulture,
            $"r={_nonce},s={Convert.ToBase64String(_credential!.Salt)},i={_credential.Iterations}");
        _stage = Stage.AwaitingClientFinal;
        return EnhancedAuthenticationResult.Continue(Encoding.UTF8.GetBytes(_serverFirst));
    }

    private EnhancedAuthenticationResult OnClientFinal(ReadOnlySpan<byte> clientData)
    {
        int keySize = ScramAlgorithm.KeySize(_mechanism.Hash);
        if (!TryDecode(clientData, out string message, out var failed)
            || !Fail(ScramMessages.TryParseClientFinal(message, keySize, out var final, out var failure), failure, out failed))
        {
            return failed!;
        }

        var first = _clientFirst!;
        var credential = _credential!;
        if (!final!.ChannelBinding.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(first.Gs2Header)))
        {
            // Without channel binding, c= is the GS2 header base64-encoded: "biws" for n,, and "eSws" for y,, (§6).
            return Finish(EnhancedAuthenticationResult.Failure(Tern.Protocol.ReasonCode.BadUserNameOrPassword, "channel-bindings-dont-match: c= does not repeat the GS2 header"));
        }

        if (!string.Equals(final.Nonce, _nonce, StringComparison.Ordinal))
        {
            return Finish(EnhancedAuthenticationResult.Failure(Tern.Protocol.ReasonCode.BadUserNameOrPassword, "other-error: the nonce differs from the one of server-first-message"));
        }

        // AuthMessage = client-first-message-bare + "," + server-first-message + "," + client-final-message-without-proof
        byte[] authMessage = Encoding.UTF8.GetBytes(first.Bare + "," + _serverFirst + "," + final.WithoutProof);

        // ClientSignature = HMAC(StoredKey, AuthMessage); ClientKey = ClientProof XOR ClientSignature; H(ClientKey) == StoredKey.
        byte[] clientKey = ScramAlgorithm.Hmac(_mechanism.Hash, credential.StoredKey, authMessage);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= final.Proof[i];
        }

        byte[] storedKey = ScramAlgorithm.Hash(_mechanism.Hash, clientKey);
        CryptographicOperations.ZeroMemory(clientKey);

        // Non-short-circuit &: an unknown user costs the same comparison as a known one.
        if (!(CryptographicOperations.FixedTimeEquals(storedKey, credential.StoredKey) & _userKnown))
        {
            return Finish(EnhancedAuthenticationResult.Failure(Tern.Protocol.ReasonCode.BadUserNameOrPassword, InvalidProof));
        }

        byte[] serverSignature = ScramAlgorithm.Hmac(_mechanism.Hash, credential.ServerKey, authMessage);
        string serverFinal = "v=" + Convert.ToBase64String(serverSignature);
        return Finish(EnhancedAuthenticationResult.Success(Encoding.UTF8.GetBytes(serverFinal), first.UserName));
    }

    private bool TryDecode(ReadOnlySpan<byte> clientData, out string message, out EnhancedAuthenticationResult? failed)
    {
        message = string.Empty;
        if (clientData.Length > _mechanism.MaxMessageLength)
        {
            failed = Finish(EnhancedAuthenticationResult.Failure(Tern.Protocol.ReasonCode.BadUserNameOrPassword, "other-error: the message is longer than the mechanism's limit"));
            return false;
        }

        return Fail(ScramMessages.TryDecodeUtf8(clientData, out message, out var failure), failure, out failed);
    }

    private bool Fail(bool parsed, in ScramFailure failure, out EnhancedAuthenticationResult? failed)
    {
        failed = parsed ? null : Finish(EnhancedAuthenticationResult.Failure(failure.ReasonCode, failure.Description));
        return parsed;
    }

    private EnhancedAuthenticationResult Finish(EnhancedAuthenticationResult result)
    {
        _stage = Stage.Done;
        return result;
    }

    private string NewServerNonce()
    {
        string nonce = _mechanism.ServerNonceGenerator();
        if (!ScramMessages.IsPrintable(nonce))
        {
            throw new InvalidOperationException("ServerNonceGenerator must return non-empty printable ASCII without commas.");
        }

        return nonce;
    }
}
