using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Tern.Broker.Security;

namespace Tern.Broker.Admin;

/// <summary>
/// Who may use the admin API: a caller presenting the API key (<c>Authorization: Bearer KEY</c> or
/// <c>X-API-Key: KEY</c>), or an admin user of the password file (<c>Authorization: Basic</c>). Keys are compared in
/// constant time; neither keys nor passwords are ever logged.
/// </summary>
internal sealed class AdminAuthenticator(BrokerOptions options)
{
    private const int MaxRemembered = 256;

    private readonly byte[]? _keyHash = string.IsNullOrEmpty(options.Http.ApiKey) ? null : Hash(options.Http.ApiKey);
    private readonly byte[] _proofKey = RandomNumberGenerator.GetBytes(32);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _verified = new(StringComparer.Ordinal);

    /// <summary>Returns the principal ("api key" or "user NAME"), or null with the reason in <paramref name="failure"/>.</summary>
    public string? Authenticate(HttpRequest request, out string failure)
    {
        failure = string.Empty;
        string? key = request.Headers["X-API-Key"].FirstOrDefault();
        string? authorization = request.Headers.Authorization.FirstOrDefault();
        if (key is null && authorization is not null && authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            key = authorization["Bearer ".Length..].Trim();
        }

        if (key is not null)
        {
            // Hashing first makes the comparison constant-time whatever the lengths.
            if (_keyHash is not null && CryptographicOperations.FixedTimeEquals(Hash(key), _keyHash))
            {
                return "api key";
            }

            failure = "wrong API key";
            return null;
        }

        if (authorization is not null && authorization.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateUser(authorization["Basic ".Length..].Trim(), out failure);
        }

        failure = "no credentials";
        return null;
    }

    private string? AuthenticateUser(string encoded, out string failure)
    {
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(encoded));
        }
        catch (FormatException)
        {
            failure = "malformed Basic credentials";
            return null;
        }

        int colon = decoded.IndexOf(':', StringComparison.Ordinal);
        string user = colon < 0 ? decoded : decoded[..colon];
        if (colon < 0 || !options.Http.AdminUsers.Contains(user, StringComparer.Ordinal) || options.Security.PasswordFile is not { } path)
        {
            failure = "not an admin user";
            return null;
        }

        // Read at each request: the password file in force is the one on disk (tern passwd edits it in place).
        byte[] password = Encoding.UTF8.GetBytes(decoded[(colon + 1)..]);
        try
        {
            byte[] contents = File.ReadAllBytes(path);
            string proof = Proof(user, password, contents);
            if (_verified.ContainsKey(proof))
            {
                failure = string.Empty;
                return "user " + user;
            }

            if (PasswordFile.Parse(Encoding.UTF8.GetString(contents), path).Verify(user, password))
            {
                Remember(proof);
                failure = string.Empty;
                return "user " + user;
            }
        }
        catch (Exception ex) when (ex is IOException or SecurityConfigurationException or UnauthorizedAccessException)
        {
            failure = "the password file cannot be read: " + ex.Message;
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(password);
        }

        failure = "wrong password for admin user " + user;
        return null;
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    /// <summary>
    /// A keyed digest of (user, password, password file contents): a script polling the API with Basic credentials
    /// would otherwise pay the file's PBKDF2 cost (about 0.1 s) on every request. Any change of the file changes the
    /// digest, so a changed password or a removed user takes effect at the next request. The key is random per
    /// process, so the digests held in memory are no offline guessing aid.
    /// </summary>
    private string Proof(string user, byte[] password, byte[] contents)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _proofKey);
        hmac.AppendData(Encoding.UTF8.GetBytes(user));
        hmac.AppendData([0]);
        hmac.AppendData(password);
        hmac.AppendData([0]);
        hmac.AppendData(SHA256.HashData(contents));
        return Convert.ToHexString(hmac.GetHashAndReset());
    }

    private void Remember(string proof)
    {
        // Bounded: a flood of distinct good credentials cannot grow it; starting over costs one verification each.
        if (_verified.Count >= MaxRemembered)
        {
            _verified.Clear();
        }

        _verified[proof] = 0;
    }
}
