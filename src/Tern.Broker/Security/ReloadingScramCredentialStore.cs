namespace Tern.Broker.Security;

/// <summary>
/// SCRAM credentials from whatever password file is in force at the moment of the lookup, so a reload of the password
/// file (<see cref="BrokerSecurity"/>) changes SCRAM logins too.
/// </summary>
internal sealed class ReloadingScramCredentialStore(Func<PasswordFile?> passwords) : IScramCredentialStore
{
    /// <inheritdoc/>
    public bool TryGetCredential(string userName, ScramHash hash, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out ScramCredential credential)
    {
        if (passwords() is { } file)
        {
            return new PasswordFileScramCredentialStore(file).TryGetCredential(userName, hash, out credential);
        }

        credential = null;
        return false;
    }
}
