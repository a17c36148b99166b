using System.Security.Cryptography;
using System.Text;

namespace Tern.Client;

/// <summary>
/// SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as an MQTT 5.0 enhanced authentication method: the password
/// never crosses the network, and the broker proves that it knows it too. Tern's broker offers both methods for the
/// users of its password file. Each exchange (connect, reconnect, <see cref="MqttClient.ReauthenticateAsync"/>) starts
/// afresh with a new nonce.
/// </summary>
/// <example><code>
/// var options = MqttClientOptions.Default with { ProtocolVersion = ProtocolVersion.V500, Authenticator = new MqttScramAuthenticator("alice", "secret") };
/// </code></example>
public sealed class MqttScramAuthenticator : IMqttEnhancedAuthenticator
{
    private const string Gs2Header = "n,,";
    private readonly string _userName;
    private readonly byte[] _password;
    private readonly HashAlgorithmName _hash;
    private readonly Lock _sync = new();
    private string _clientFirstBare = string.Empty;
    private string _clientNonce = string.Empty;
    private byte[] _expectedServerSignature = [];

    /// <summary>Creates the authenticator for one user.</summary>
    /// <param name="userName">The user name (the <c>n=</c> attribute; ',' and '=' are escaped as RFC 5802 §5.1 says).</param>
    /// <param name="password">The password, used as UTF-8 (no SASLprep).</param>
    /// <param name="sha512">SCRAM-SHA-512 instead of SCRAM-SHA-256 (default).</param>
    public MqttScramAuthenticator(string userName, string password, bool sha512 = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(userName);
        ArgumentNullException.ThrowIfNull(password);
        _userName = userName;
        _password = Encoding.UTF8.GetBytes(password);
        _hash = sha512 ? HashAlgorithmName.SHA512 : HashAlgorithmName.SHA256;
        Method = sha512 ? "SCRAM-SHA-512" : "SCRAM-SHA-256";
    }

    /// <inheritdoc/>
    public string Method { get; }

    /// <summary>client-first-message: <c>n,,n=user,r=nonce</c>.</summary>
    public ValueTask<ReadOnlyMemory<byte>> GetInitialDataAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            _clientNonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(18));
            _clientFirstBare = "n=" + _userName.Replace("=", "=3D", StringComparison.Ordinal).Replace(",", "=2C", StringComparison.Ordinal) + ",r=" + _clientNonce;
            _expectedServerSignature = [];
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes(Gs2Header + _clientFirstBare));
        }
    }

    /// <summary>Answers server-first-message (<c>r=…,s=…,i=…</c>) with client-final-message and its proof.</summary>
    /// <exception cref="InvalidDataException">The server's message is malformed or its nonce does not extend the client's.</exception>
    public ValueTask<ReadOnlyMemory<byte>> ContinueAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken)
    {
        string serverFirst = Encoding.UTF8.GetString(serverData.Span);
        string? nonce = null, salt = null, iterations = null;
        foreach (string attribute in serverFirst.Split(','))
        {
            if (attribute.Length < 2 || attribute[1] != '=')
            {
                continue;
            }

            switch (attribute[0])
            {
                case 'r':
                    nonce = attribute[2..];
                    break;
                case 's':
                    salt = attribute[2..];
                    break;
                case 'i':
                    iterations = attribute[2..];
                    break;
                case 'e':
                    throw new InvalidDataException($"the broker refused: {attribute[2..]}");
            }
        }

        lock (_sync)
        {
            if (nonce is null || salt is null || !int.TryParse(iterations, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int count) || count < 1
                || !nonce.StartsWith(_clientNonce, StringComparison.Ordinal) || nonce.Length == _clientNonce.Length)
            {
                throw new InvalidDataException("the broker's SCRAM server-first-message is not valid");
            }

            string withoutProof = "c=" + Convert.ToBase64String(Encoding.ASCII.GetBytes(Gs2Header)) + ",r=" + nonce;
            byte[] authMessage = Encoding.UTF8.GetBytes(_clientFirstBare + "," + serverFirst + "," + withoutProof);
            int keySize = _hash == HashAlgorithmName.SHA512 ? 64 : 32;
            byte[] saltedPassword = Rfc2898DeriveBytes.Pbkdf2(_password, Convert.FromBase64String(salt), count, _hash, keySize);
            byte[] clientKey = Hmac(saltedPassword, "Client Key"u8);
            byte[] storedKey = _hash == HashAlgorithmName.SHA512 ? SHA512.HashData(clientKey) : SHA256.HashData(clientKey);
            byte[] signature = Hmac(storedKey, authMessage);
            for (int i = 0; i < clientKey.Length; i++)
            {
                clientKey[i] ^= signature[i];
            }

            _expectedServerSignature = Hmac(Hmac(saltedPassword, "Server Key"u8), authMessage);
            return ValueTask.FromResult<ReadOnlyMemory<byte>>(Encoding.UTF8.GetBytes(withoutProof + ",p=" + Convert.ToBase64String(clientKey)));
        }
    }

    /// <summary>Checks server-final-message (<c>v=…</c>): the broker proves it knows the password.</summary>
    /// <exception cref="InvalidDataException">The server's signature is missing or wrong: it may not be the broker it claims.</exception>
    public ValueTask CompleteAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken)
    {
        string serverFinal = Encoding.UTF8.GetString(serverData.Span);
        lock (_sync)
        {
            if (_expectedServerSignature.Length == 0 || !serverFinal.StartsWith("v=", StringComparison.Ordinal)
                || !CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(serverFinal[2..]), _expectedServerSignature))
            {
                throw new InvalidDataException("the broker's SCRAM server signature does not verify");
            }
        }

        return ValueTask.CompletedTask;
    }

    private byte[] Hmac(byte[] key, ReadOnlySpan<byte> data) =>
        _hash == HashAlgorithmName.SHA512 ? HMACSHA512.HashData(key, data) : HMACSHA256.HashData(key, data);
}
