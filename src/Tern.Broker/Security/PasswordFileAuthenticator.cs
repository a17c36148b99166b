namespace Tern.Broker;

/// <summary>
/// The built-in <see cref="IMqttAuthenticator"/>: user names and passwords checked against a <see cref="PasswordFile"/>,
/// and clients without a user name admitted anonymously only when that is allowed.
/// </summary>
/// <remarks>
/// <para>Decisions, in order:</para>
/// <list type="number">
/// <item>No user name: with a password (possible in 5.0) → 0x86, since credentials that cannot be checked are not
/// ignored; otherwise admitted anonymously when <c>allowAnonymous</c>, else 0x87 Not authorized.</item>
/// <item>A user name but no password file: admitted anonymously when <c>allowAnonymous</c> (the name is not an
/// identity: nobody checked it, so user ACL sections do not apply), else 0x87.</item>
/// <item>A user name with no or an empty password → 0x86 Bad User Name or Password.</item>
/// <item>Otherwise the password is verified (constant time, the same cost for unknown users): accepted as that user,
/// or 0x86.</item>
/// </list>
/// <para>
/// One verification costs a PBKDF2 of 210,000 HMAC-SHA512 iterations by default (about 0.1 s of one core). At most one
/// verification per processor runs at once; further CONNECTs wait asynchronously, and give up when their connection
/// goes (the token of <see cref="AuthenticateAsync"/>), so a flood of CONNECTs cannot take every thread.
/// </para>
/// <para>Thread-safe; <see cref="Update"/> swaps the password file atomically.</para>
/// </remarks>
public sealed class PasswordFileAuthenticator : IMqttAuthenticator, IDisposable
{
    private readonly SemaphoreSlim _verifications = new(Environment.ProcessorCount, Environment.ProcessorCount);
    private PasswordFile? _passwords;

    /// <summary>Creates the authenticator.</summary>
    /// <param name="passwords">The users; null when there is no password file (then only anonymous access is possible).</param>
    /// <param name="allowAnonymous">Whether clients without verified credentials may connect.</param>
    public PasswordFileAuthenticator(PasswordFile? passwords, bool allowAnonymous)
    {
        _passwords = passwords;
        AllowAnonymous = allowAnonymous;
    }

    /// <summary>Whether clients without verified credentials may connect.</summary>
    public bool AllowAnonymous { get; }

    /// <summary>The password file in force; null when there is none.</summary>
    public PasswordFile? Passwords => Volatile.Read(ref _passwords);

    /// <summary>Puts a new password file in force for every later CONNECT (connected clients stay connected).</summary>
    /// <param name="passwords">The new snapshot; null is refused once a file was configured, so a reload cannot remove authentication.</param>
    /// <exception cref="ArgumentNullException"><paramref name="passwords"/> is null while a file is in force.</exception>
    public void Update(PasswordFile? passwords)
    {
        if (passwords is null && Passwords is not null)
        {
            throw new ArgumentNullException(nameof(passwords), "a password file in force cannot be replaced by none");
        }

        Volatile.Write(ref _passwords, passwords);
    }

    /// <inheritdoc/>
    public async ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttConnectContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var passwords = Passwords;
        if (context.UserName is null)
        {
            if (context.HasPassword)
            {
                return MqttAuthenticationResult.BadUserNameOrPassword;
            }

            return AllowAnonymous ? MqttAuthenticationResult.AcceptedAnonymous : MqttAuthenticationResult.NotAuthorized;
        }

        if (passwords is null)
        {
            return AllowAnonymous ? MqttAuthenticationResult.AcceptedAnonymous : MqttAuthenticationResult.NotAuthorized;
        }

        if (!context.HasPassword || context.Password.IsEmpty)
        {
            return MqttAuthenticationResult.BadUserNameOrPassword;
        }

        await _verifications.WaitAsync(cancellationToken).ConfigureAwait(false);
        bool verified;
        try
        {
            verified = passwords.Verify(context.UserName, context.Password.Span);
        }
        finally
        {
            _verifications.Release();
        }

        return verified ? MqttAuthenticationResult.Accept(context.UserName) : MqttAuthenticationResult.BadUserNameOrPassword;
    }

    /// <summary>Releases the semaphore that bounds concurrent verifications.</summary>
    public void Dispose() => _verifications.Dispose();
}
