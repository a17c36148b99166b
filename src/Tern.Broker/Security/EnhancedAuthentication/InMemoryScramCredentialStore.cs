using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Tern.Broker;

/// <summary>
/// A thread-safe <see cref="IScramCredentialStore"/> held in memory, for tests and for embedders that load their users
/// themselves. User names are compared ordinally.
/// </summary>
public sealed class InMemoryScramCredentialStore : IScramCredentialStore
{
    /// <summary>The salt length <see cref="AddUser"/> uses: 16 bytes, as RFC 7677's example.</summary>
    public const int SaltLength = 16;

    /// <summary>The iteration count <see cref="AddUser"/> uses unless told otherwise: 4096, RFC 7677 §4's minimum.</summary>
    public const int DefaultIterations = 4096;

    private readonly ConcurrentDictionary<(string UserName, ScramHash Hash), ScramCredential> _credentials = new();

    /// <summary>
    /// Adds or replaces <paramref name="userName"/> with a credential for both SHA-256 and SHA-512 derived from
    /// <paramref name="password"/>, each with fresh random salt.
    /// </summary>
    /// <param name="userName">The user name.</param>
    /// <param name="password">The password (used as UTF-8, see <see cref="ScramCredential.FromPassword"/>).</param>
    /// <param name="iterations">The PBKDF2 iteration count.</param>
    public void AddUser(string userName, string password, int iterations = DefaultIterations)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(password);
        foreach (var hash in (ReadOnlySpan<ScramHash>)[ScramHash.Sha256, ScramHash.Sha512])
        {
            Set(userName, hash, ScramCredential.FromPassword(password, RandomNumberGenerator.GetBytes(SaltLength), iterations, hash));
        }
    }

    /// <summary>Adds or replaces the credential of <paramref name="userName"/> for <paramref name="hash"/>.</summary>
    /// <param name="userName">The user name.</param>
    /// <param name="hash">The hash the credential was derived with.</param>
    /// <param name="credential">The credential.</param>
    public void Set(string userName, ScramHash hash, ScramCredential credential)
    {
        ArgumentNullException.ThrowIfNull(userName);
        ArgumentNullException.ThrowIfNull(credential);
        _credentials[(userName, hash)] = credential;
    }

    /// <summary>Removes every credential of <paramref name="userName"/>; returns whether there was one.</summary>
    /// <param name="userName">The user name.</param>
    public bool RemoveUser(string userName)
    {
        ArgumentNullException.ThrowIfNull(userName);
        bool removed = _credentials.TryRemove((userName, ScramHash.Sha256), out _);
        return _credentials.TryRemove((userName, ScramHash.Sha512), out _) | removed;
    }

    /// <inheritdoc/>
    public bool TryGetCredential(string userName, ScramHash hash, [MaybeNullWhen(false)] out ScramCredential credential)
    {
        ArgumentNullException.ThrowIfNull(userName);
        return _credentials.TryGetValue((userName, hash), out credential);
    }
}
