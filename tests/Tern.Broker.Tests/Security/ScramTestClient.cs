using System.Security.Cryptography;
using System.Text;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// A tiny SCRAM client (RFC 5802 §3) written from the RFC with the BCL's primitives only, independent of the server code
/// under test, with knobs to send what a broken or hostile client would.
/// </summary>
internal sealed class ScramTestClient
{
    private readonly ScramHash _hash;
    private readonly string _password;
    private byte[] _authMessage = [];
    private byte[] _saltedPassword = [];

    public ScramTestClient(ScramHash hash, string userName, string password, string? clientNonce = null, string gs2Header = "n,,", string? firstExtensions = null)
    {
        FirstExtensions = firstExtensions is null ? string.Empty : "," + firstExtensions;
        _hash = hash;
        _password = password;
        UserName = userName;
        ClientNonce = clientNonce ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
        Gs2Header = gs2Header;
    }

    public string UserName { get; }

    public string ClientNonce { get; }

    public string Gs2Header { get; }

    /// <summary>Extensions after the nonce in client-first-message-bare, with their leading comma; empty for none.</summary>
    public string FirstExtensions { get; }

    /// <summary>client-first-message-bare: <c>n=</c> with ',' and '=' escaped as RFC 5802 §5.1 says, then <c>r=</c>.</summary>
    public string ClientFirstBare => "n=" + UserName.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal) + ",r=" + ClientNonce + FirstExtensions;

    public string ClientFirst => Gs2Header + ClientFirstBare;

    public byte[] ClientFirstBytes => Encoding.UTF8.GetBytes(ClientFirst);

    private HashAlgorithmName HashName => _hash == ScramHash.Sha256 ? HashAlgorithmName.SHA256 : HashAlgorithmName.SHA512;

    private int KeySize => _hash == ScramHash.Sha256 ? 32 : 64;

    /// <summary>
    /// client-final-message for <paramref name="serverFirst"/>, with a proof that is right for whatever was sent, so that
    /// a test that changes one attribute fails for that attribute only.
    /// </summary>
    /// <param name="serverFirst">server-first-message as received.</param>
    /// <param name="channelBinding">The <c>c=</c> value; null for the base64 GS2 header, the right one.</param>
    /// <param name="nonce">The <c>r=</c> value; null for the server's combined nonce, the right one.</param>
    /// <param name="extensions">Attributes put between the nonce and the proof, e.g. <c>x=1</c>.</param>
    public string ClientFinal(string serverFirst, string? channelBinding = null, string? nonce = null, string? extensions = null)
    {
        var (combinedNonce, salt, iterations) = ParseServerFirst(serverFirst);
        string withoutProof = "c=" + (channelBinding ?? Convert.ToBase64String(Encoding.UTF8.GetBytes(Gs2Header)))
            + ",r=" + (nonce ?? combinedNonce)
            + (extensions is null ? string.Empty : "," + extensions);
        _saltedPassword = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(_password), salt, iterations, HashName, KeySize);
        _authMessage = Encoding.UTF8.GetBytes(ClientFirstBare + "," + serverFirst + "," + withoutProof);
        byte[] clientKey = Hmac(_saltedPassword, "Client Key"u8);
        byte[] storedKey = _hash == ScramHash.Sha256 ? SHA256.HashData(clientKey) : SHA512.HashData(clientKey);
        byte[] signature = Hmac(storedKey, _authMessage);
        byte[] proof = new byte[clientKey.Length];
        for (int i = 0; i < proof.Length; i++)
        {
            proof[i] = (byte)(clientKey[i] ^ signature[i]);
        }

        return withoutProof + ",p=" + Convert.ToBase64String(proof);
    }

    public byte[] ClientFinalBytes(string serverFirst) => Encoding.UTF8.GetBytes(ClientFinal(serverFirst));

    /// <summary>Whether server-final-message proves that the server knows the password: v= is HMAC(ServerKey, AuthMessage).</summary>
    public bool VerifyServerFinal(string serverFinal)
    {
        byte[] serverKey = Hmac(_saltedPassword, "Server Key"u8);
        return serverFinal == "v=" + Convert.ToBase64String(Hmac(serverKey, _authMessage));
    }

    public static (string Nonce, byte[] Salt, int Iterations) ParseServerFirst(string serverFirst)
    {
        string[] parts = serverFirst.Split(',');
        Assert.Equal(3, parts.Length);
        Assert.StartsWith("r=", parts[0], StringComparison.Ordinal);
        Assert.StartsWith("s=", parts[1], StringComparison.Ordinal);
        Assert.StartsWith("i=", parts[2], StringComparison.Ordinal);
        return (parts[0][2..], Convert.FromBase64String(parts[1][2..]), int.Parse(parts[2][2..], System.Globalization.CultureInfo.InvariantCulture));
    }

    private byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) =>
        _hash == ScramHash.Sha256 ? HMACSHA256.HashData(key, data) : HMACSHA512.HashData(key, data);
}
