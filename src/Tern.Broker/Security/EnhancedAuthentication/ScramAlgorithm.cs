using System.Security.Cryptography;

namespace Tern.Broker;

/// <summary>The functions of RFC 5802 §2.2 for one <see cref="ScramHash"/>: H, HMAC and Hi, and the key sizes.</summary>
internal static class ScramAlgorithm
{
    public static readonly byte[] ClientKeyLabel = "Client Key"u8.ToArray();
    public static readonly byte[] ServerKeyLabel = "Server Key"u8.ToArray();

    public static string MechanismName(ScramHash hash) => hash switch
    {
        ScramHash.Sha256 => "SCRAM-SHA-256",
        ScramHash.Sha512 => "SCRAM-SHA-512",
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "Unknown SCRAM hash."),
    };

    public static HashAlgorithmName HashAlgorithmName(ScramHash hash) => hash switch
    {
        ScramHash.Sha256 => System.Security.Cryptography.HashAlgorithmName.SHA256,
        ScramHash.Sha512 => System.Security.Cryptography.HashAlgorithmName.SHA512,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "Unknown SCRAM hash."),
    };

    /// <summary>The output size of H and HMAC, which is the size of every key and proof.</summary>
    public static int KeySize(ScramHash hash) => hash switch
    {
        ScramHash.Sha256 => SHA256.HashSizeInBytes,
        ScramHash.Sha512 => SHA512.HashSizeInBytes,
        _ => throw new ArgumentOutOfRangeException(nameof(hash), hash, "Unknown SCRAM hash."),
    };

    /// <summary>H(str): the hash function.</summary>
    public static byte[] Hash(ScramHash hash, ReadOnlySpan<byte> data) => hash switch
    {
        ScramHash.Sha256 => SHA256.HashData(data),
        _ => SHA512.HashData(data),
    };

    /// <summary>HMAC(key, str).</summary>
    public static byte[] Hmac(ScramHash hash, ReadOnlySpan<byte> key, ReadOnlySpan<byte> data) => hash switch
    {
        ScramHash.Sha256 => HMACSHA256.HashData(key, data),
        _ => HMACSHA512.HashData(key, data),
    };

    /// <summary>Hi(str, salt, i): PBKDF2 with HMAC as the pseudo-random function and one block of output (RFC 5802 §2.2).</summary>
    public static byte[] SaltPassword(ScramHash hash, string password, byte[] salt, int iterations) =>
        Rfc2898DeriveBytes.Pbkdf2(password, salt, iterations, HashAlgorithmName(hash), KeySize(hash));
}
