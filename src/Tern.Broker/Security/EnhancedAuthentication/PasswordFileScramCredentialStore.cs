namespace Tern.Broker;

/// <summary>
/// SCRAM credentials read from a Tern password file (<c>tern passwd</c>): each entry stores the RFC 5802 StoredKey and
/// ServerKey for SHA-256 and SHA-512, so SCRAM clients authenticate against the same users as user-name/password
/// clients, and the file never holds anything that would let its reader log in.
/// </summary>
public sealed class PasswordFileScramCredentialStore(PasswordFile passwords) : IScramCredentialStore
{
    /// <inheritdoc/>
    public bool TryGetCredential(string userName, ScramHash hash, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out ScramCredential credential)
    {
        string mechanism = hash == ScramHash.Sha512 ? PasswordFile.ScramSha512 : PasswordFile.ScramSha256;
        if (passwords.TryGetScramCredential(userName, mechanism, out var salt, out int iterations, out var storedKey, out var serverKey))
        {
            credential = new ScramCredential(salt, iterations, storedKey, serverKey);
            return true;
        }

        credential = null;
        return false;
    }
}
