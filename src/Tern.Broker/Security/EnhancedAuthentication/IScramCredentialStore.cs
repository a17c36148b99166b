using System.Diagnostics.CodeAnalysis;

namespace Tern.Broker;

/// <summary>
/// Where <see cref="ScramMechanism"/> finds a user's <see cref="ScramCredential"/>. Implementations must be thread-safe:
/// every connection asks concurrently.
/// </summary>
public interface IScramCredentialStore
{
    /// <summary>Looks up the credential of <paramref name="userName"/> for <paramref name="hash"/>.</summary>
    /// <param name="userName">The user name as the client sent it, after SCRAM's <c>=2C</c>/<c>=3D</c> unescaping; compare it ordinally.</param>
    /// <param name="hash">The mechanism's hash: a user may have a credential for one hash and not the other.</param>
    /// <param name="credential">The credential, when found.</param>
    /// <returns>Whether the user has a credential for this hash.</returns>
    bool TryGetCredential(string userName, ScramHash hash, [MaybeNullWhen(false)] out ScramCredential credential);
}
