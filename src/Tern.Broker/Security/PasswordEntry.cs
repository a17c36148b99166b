using System.Security.Cryptography;

namespace Tern.Broker.Security;

/// <summary>
/// The SCRAM keys of one password for one hash function (RFC 5802 §3): SaltedPassword = PBKDF2(password, salt, i);
/// ClientKey = HMAC(SaltedPassword, "Client Key"); StoredKey = H(ClientKey); ServerKey = HMAC(SaltedPassword, "Server Key").
/// Neither key lets its holder log in: StoredKey is a hash of the ClientKey a SCRAM client proves, and checking a plain
/// password means recomputing StoredKey from it.
/// </summary>
internal sealed class ScramKeys
{
    public ScramKeys(HashAlgorithmName algorithm, int iterations, byte[] storedKey, byte[] serverKey)
    {
        Algorithm = algorithm;
        Iterations = iterations;
        StoredKey = storedKey;
        ServerKey = serverKey;
    }

    public HashAlgorithmName Algorithm { get; }

    public int Iterations { get; }

    public byte[] StoredKey { get; }

    public byte[] ServerKey { get; }

    /// <summary>The length of the hash function's output, which is the length of every key: 64 for SHA-512, 32 for SHA-256.</summary>
    public static int KeyLength(HashAlgorithmName algorithm) => algorithm == HashAlgorithmName.SHA512 ? 64 : 32;

    /// <summary>Derives both keys from a password; the intermediate secrets are wiped.</summary>
    public static ScramKeys Derive(HashAlgorithmName algorithm, ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt, int iterations)
    {
        int length = KeyLength(algorithm);
        Span<byte> salted = stackalloc byte[length];
        Span<byte> clientKey = stackalloc byte[length];
        var storedKey = new byte[length];
        var serverKey = new byte[length];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, salted, iterations, algorithm);
            Hmac(algorithm, salted, "Client Key"u8, clientKey);
            Hash(algorithm, clientKey, storedKey);
            Hmac(algorithm, salted, "Server Key"u8, serverKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
            CryptographicOperations.ZeroMemory(clientKey);
        }

        return new ScramKeys(algorithm, iterations, storedKey, serverKey);
    }

    /// <summary>
    /// Recomputes StoredKey from <paramref name="password"/> and compares it with the stored one in constant time.
    /// The cost is the PBKDF2 iterations whatever the answer.
    /// </summary>
    public bool Matches(ReadOnlySpan<byte> password, ReadOnlySpan<byte> salt)
    {
        int length = KeyLength(Algorithm);
        Span<byte> salted = stackalloc byte[length];
        Span<byte> clientKey = stackalloc byte[length];
        Span<byte> storedKey = stackalloc byte[length];
        try
        {
            Rfc2898DeriveBytes.Pbkdf2(password, salt, salted, Iterations, Algorithm);
            Hmac(Algorithm, salted, "Client Key"u8, clientKey);
            Hash(Algorithm, clientKey, storedKey);
            return CryptographicOperations.FixedTimeEquals(storedKey, StoredKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(salted);
            CryptographicOperations.ZeroMemory(clientKey);
        }
    }

    private static void Hmac(HashAlgorithmName algorithm, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (algorithm == HashAlgorithmName.SHA512)
        {
            HMACSHA512.HashData(key, data, destination);
        }
        else
        {
            HMACSHA256.HashData(key, data, destination);
        }
    }

    private static void Hash(HashAlgorithmName algorithm, ReadOnlySpan<byte> data, Span<byte> destination)
    {
        if (algorithm == HashAlgorithmName.SHA512)
        {
            SHA512.HashData(data, destination);
        }
        else
        {
            SHA256.HashData(data, destination);
        }
    }
}

/// <summary>One user of a password file: a salt and the SCRAM keys for SHA-512 (also the plain password verifier) and SHA-256.</summary>
internal sealed class PasswordEntry
{
    public PasswordEntry(string userName, byte[] salt, ScramKeys sha512, ScramKeys sha256, int line)
    {
        UserName = userName;
        Salt = salt;
        Sha512 = sha512;
        Sha256 = sha256;
        Line = line;
    }

    public string UserName { get; }

    public byte[] Salt { get; }

    public ScramKeys Sha512 { get; }

    public ScramKeys Sha256 { get; }

    /// <summary>The 1-based line of the file, for messages about duplicates.</summary>
    public int Line { get; }
}
