namespace Tern.Broker;

/// <summary>
/// What a SCRAM server stores for one user and one hash (RFC 5802 §3): the salt and iteration count it hands to the
/// client, and the two keys derived from the salted password. The password itself is not needed and is not kept.
/// </summary>
/// <param name="Salt">The salt, sent base64-encoded in server-first-message; 16 random bytes is usual.</param>
/// <param name="Iterations">The PBKDF2 iteration count; RFC 7677 §4 asks for at least 4096.</param>
/// <param name="StoredKey">H(ClientKey), where ClientKey = HMAC(SaltedPassword, "Client Key"); checks the client's proof.</param>
/// <param name="ServerKey">HMAC(SaltedPassword, "Server Key"); signs server-final-message so the client can check the server.</param>
public sealed record ScramCredential(byte[] Salt, int Iterations, byte[] StoredKey, byte[] ServerKey)
{
    /// <summary>The salt, sent base64-encoded in server-first-message.</summary>
    public byte[] Salt { get; } = Salt is { Length: > 0 } ? Salt : throw new ArgumentException("The salt must not be null or empty.", nameof(Salt));

    /// <summary>The PBKDF2 iteration count, 1 or more.</summary>
    public int Iterations { get; } = Iterations > 0 ? Iterations : throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "The iteration count must be positive.");

    /// <summary>H(ClientKey): 32 bytes for SHA-256, 64 for SHA-512.</summary>
    public byte[] StoredKey { get; } = StoredKey is { Length: > 0 } ? StoredKey : throw new ArgumentException("The stored key must not be null or empty.", nameof(StoredKey));

    /// <summary>HMAC(SaltedPassword, "Server Key"): 32 bytes for SHA-256, 64 for SHA-512.</summary>
    public byte[] ServerKey { get; } = ServerKey is { Length: > 0 } ? ServerKey : throw new ArgumentException("The server key must not be null or empty.", nameof(ServerKey));

    /// <summary>
    /// Derives the credential of <paramref name="password"/> (RFC 5802 §3): SaltedPassword = Hi(password, salt, i) with
    /// PBKDF2, then StoredKey and ServerKey.
    /// </summary>
    /// <remarks>
    /// The password is used as its UTF-8 bytes, without SASLprep (RFC 4013) normalization: a password that a client
    /// normalizes differently (say, precomposed against decomposed accents) does not match. ASCII passwords are unaffected.
    /// </remarks>
    /// <param name="password">The password.</param>
    /// <param name="salt">The salt; use fresh random bytes (16 is usual) for each user.</param>
    /// <param name="iterations">The iteration count; at least 4096 per RFC 7677 §4.</param>
    /// <param name="hash">The mechanism's hash.</param>
    /// <exception cref="ArgumentNullException"><paramref name="password"/> or <paramref name="salt"/> is null.</exception>
    public static ScramCredential FromPassword(string password, byte[] salt, int iterations, ScramHash hash)
    {
        ArgumentNullException.ThrowIfNull(password);
        ArgumentNullException.ThrowIfNull(salt);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(iterations);
        byte[] saltedPassword = ScramAlgorithm.SaltPassword(hash, password, salt, iterations);
        byte[] clientKey = ScramAlgorithm.Hmac(hash, saltedPassword, ScramAlgorithm.ClientKeyLabel);
        byte[] storedKey = ScramAlgorithm.Hash(hash, clientKey);
        byte[] serverKey = ScramAlgorithm.Hmac(hash, saltedPassword, ScramAlgorithm.ServerKeyLabel);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(saltedPassword);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(clientKey);
        return new ScramCredential((byte[])salt.Clone(), iterations, storedKey, serverKey);
    }
}
