using System.Security.Cryptography;

namespace Tern.Broker;

/// <summary>
/// The built-in SCRAM server mechanisms (RFC 5802, RFC 7677): <c>SCRAM-SHA-256</c> and <c>SCRAM-SHA-512</c>, without
/// channel binding (the <c>-PLUS</c> variants are not offered), against an <see cref="IScramCredentialStore"/>.
/// </summary>
/// <remarks>
/// <para>
/// The client sends client-first-message in CONNECT's Authentication Data, the broker answers server-first-message in
/// AUTH 0x18, the client sends client-final-message in AUTH 0x18 and the broker answers server-final-message in
/// CONNACK 0x00 (5.0 §4.12, whose non-normative example is this very exchange with SCRAM-SHA-1).
/// </para>
/// <para>
/// Failures: 0x86 Bad User Name or Password for a wrong proof, an unknown user and any message that breaks RFC 5802's
/// grammar or limits; 0x8C Bad authentication method when the client asks for what this mechanism does not do (channel
/// binding <c>p=</c>, a mandatory extension <c>m=</c>); 0x87 Not authorized when the client asks to act as another user
/// (an authzid other than its user name).
/// </para>
/// <para>
/// User names are not SASLprep-normalized (RFC 4013): control characters are refused, everything else is compared
/// ordinally as sent. An unknown user is answered with a salt and iteration count derived from the user name and
/// <see cref="ScramMechanismOptions.ServerSecret"/>, and fails only at the proof, as a wrong password does.
/// </para>
/// <para>Thread-safe: one instance serves every connection.</para>
/// </remarks>
public sealed class ScramMechanism : IEnhancedAuthenticationMechanism
{
    private const int MinServerSecretLength = 16;

    /// <summary>Creates the mechanism for <paramref name="hash"/>.</summary>
    /// <param name="hash">SHA-256 or SHA-512.</param>
    /// <param name="credentials">Where the users' credentials are.</param>
    /// <param name="options">Settings; null for the defaults.</param>
    /// <exception cref="ArgumentException">An option out of range.</exception>
    public ScramMechanism(ScramHash hash, IScramCredentialStore credentials, ScramMechanismOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        options ??= new ScramMechanismOptions();
        Name = ScramAlgorithm.MechanismName(hash);
        if (options.ServerSecret is { Length: < MinServerSecretLength })
        {
            throw new ArgumentException($"ServerSecret must be at least {MinServerSecretLength} bytes.", nameof(options));
        }

        if (options.UnknownUserIterations <= 0 || options.UnknownUserSaltLength is < 1 or > 1024 || options.MaxMessageLength < 64)
        {
            throw new ArgumentException("UnknownUserIterations must be positive, UnknownUserSaltLength within 1..1024 and MaxMessageLength at least 64.", nameof(options));
        }

        Hash = hash;
        Credentials = credentials;
        ServerSecret = options.ServerSecret is { } secret ? (byte[])secret.Clone() : RandomNumberGenerator.GetBytes(32);
        UnknownUserIterations = options.UnknownUserIterations;
        UnknownUserSaltLength = options.UnknownUserSaltLength;
        MaxMessageLength = options.MaxMessageLength;
        ServerNonceGenerator = options.ServerNonceGenerator ?? DefaultServerNonce;
    }

    /// <summary><c>SCRAM-SHA-256</c> or <c>SCRAM-SHA-512</c>.</summary>
    public string Name { get; }

    /// <summary>The mechanism's hash.</summary>
    public ScramHash Hash { get; }

    internal IScramCredentialStore Credentials { get; }

    internal byte[] ServerSecret { get; }

    internal int UnknownUserIterations { get; }

    internal int UnknownUserSaltLength { get; }

    internal int MaxMessageLength { get; }

    internal Func<string> ServerNonceGenerator { get; }

    /// <inheritdoc/>
    public IEnhancedAuthenticationExchange CreateExchange(EnhancedAuthenticationContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new ScramExchange(this);
    }

    /// <summary>
    /// The credential shown for a user who has none: salt and keys derived with HKDF from the server secret, the
    /// mechanism and the user name, so the same name always gets the same salt and nothing distinguishes it on the wire.
    /// </summary>
    internal ScramCredential FakeCredential(string userName)
    {
        var info = System.Text.Encoding.UTF8.GetBytes("Tern SCRAM unknown user\0" + Name + "\0" + userName);
        int keySize = ScramAlgorithm.KeySize(Hash);
        byte[] material = HKDF.DeriveKey(HashAlgorithmName.SHA256, ServerSecret, UnknownUserSaltLength + (2 * keySize), salt: null, info);
        return new ScramCredential(
            material[..UnknownUserSaltLength],
            UnknownUserIterations,
            material[UnknownUserSaltLength..(UnknownUserSaltLength + keySize)],
            material[(UnknownUserSaltLength + keySize)..]);
    }

    private static string DefaultServerNonce() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(24));
}
