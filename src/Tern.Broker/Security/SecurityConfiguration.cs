namespace Tern.Broker;

/// <summary>
/// The authenticator and authorizer built from <see cref="SecurityOptions"/>: the password file, the ACL file and the
/// anonymous flag. <see cref="Reload"/> re-reads both files and puts them in force together, or keeps the old ones.
/// </summary>
/// <remarks>
/// <para>
/// Fail closed (RELIABILITY D11, CVE-2017-7652): <see cref="Load(SecurityOptions)"/> throws for a missing or malformed file, so the
/// broker refuses to start; a <see cref="Reload"/> that meets a bad file changes nothing and reports the error. A bad
/// reload never leaves the broker without authentication or authorization, or with permissive defaults.
/// </para>
/// <para>Thread safety: checks may run while a reload happens; reloads are serialized.</para>
/// </remarks>
public sealed class SecurityConfiguration : IDisposable
{
    private readonly Lock _reloadGate = new();
    private readonly PasswordFileAuthenticator _authenticator;
    private readonly AclAuthorizer? _authorizer;

    private SecurityConfiguration(SecurityOptions options, PasswordFile? passwords, AclFile? acl, IReadOnlyList<string> warnings, bool admitAnonymous)
    {
        Options = options;
        _authenticator = new PasswordFileAuthenticator(passwords, admitAnonymous);
        _authorizer = acl is null ? null : new AclAuthorizer(acl);
        Warnings = warnings;
    }

    /// <summary>A copy of the options the configuration was loaded from.</summary>
    public SecurityOptions Options { get; }

    /// <summary>Checks CONNECT credentials against the password file in force.</summary>
    public IMqttAuthenticator Authenticator => _authenticator;

    /// <summary>Checks topics against the ACL in force; null when no ACL file is configured, so the broker calls nothing.</summary>
    public IMqttAuthorizer? Authorizer => _authorizer;

    /// <summary>The password file in force, or null.</summary>
    public PasswordFile? Passwords => _authenticator.Passwords;

    /// <summary>The ACL in force, or null.</summary>
    public AclFile? Acl => _authorizer?.Acl;

    /// <summary>Things worth logging about the files as first loaded.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>Reads the configured files.</summary>
    /// <param name="options">The settings; copied, so later changes to the object have no effect.</param>
    /// <exception cref="SecurityConfigurationException">A file cannot be read or does not parse; the message names the file and line.</exception>
    /// <remarks>The authenticator admits anonymous clients only when <see cref="SecurityOptions.AllowAnonymous"/> is true.</remarks>
    public static SecurityConfiguration Load(SecurityOptions options) => Load(options, admitAnonymous: options?.AllowAnonymous == true);

    /// <summary>
    /// Reads the configured files. The broker passes <paramref name="admitAnonymous"/> true and applies the anonymous
    /// policy itself, per listener, to what the authenticator admits.
    /// </summary>
    internal static SecurityConfiguration Load(SecurityOptions options, bool admitAnonymous)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = new SecurityOptions
        {
            PasswordFile = options.PasswordFile,
            AclFile = options.AclFile,
            AllowAnonymous = options.AllowAnonymous,
            DisconnectOnDeniedPublish = options.DisconnectOnDeniedPublish,
        };
        var (passwords, acl) = ReadFiles(copy);
        return new SecurityConfiguration(copy, passwords, acl, Check(copy), admitAnonymous);
    }

    /// <summary>
    /// Re-reads the password and ACL files. When both parse they are put in force together (for every later check:
    /// connected clients are re-checked on their next PUBLISH, SUBSCRIBE and delivery); when either fails, both old
    /// snapshots stay in force and the error is returned.
    /// </summary>
    public SecurityReloadResult Reload()
    {
        lock (_reloadGate)
        {
            var preparation = PrepareReload();
            if (preparation.Problems.Count > 0)
            {
                return new SecurityReloadResult(false, preparation.Problems[0], []);
            }

            preparation.Commit?.Invoke();
            return new SecurityReloadResult(true, null, Check(Options));
        }
    }

    /// <summary>
    /// The first phase of a reload (<see cref="Hosting.IReloadableComponent"/>): reads and checks both files without
    /// putting anything in force. Returns the problem (file and line) or the action that puts both new snapshots in
    /// force together; that action cannot fail. Nothing to reload (no file configured) is ready with no action.
    /// </summary>
    internal Hosting.ReloadPreparation PrepareReload()
    {
        if (Options.PasswordFile is null && Options.AclFile is null)
        {
            return new Hosting.ReloadPreparation([], null);
        }

        PasswordFile? passwords;
        AclFile? acl;
        try
        {
            (passwords, acl) = ReadFiles(Options);
        }
        catch (SecurityConfigurationException ex)
        {
            return Hosting.ReloadPreparation.Failed(ex.Message);
        }

        return Hosting.ReloadPreparation.Ready(() =>
        {
            _authenticator.Update(passwords);
            if (acl is not null)
            {
                _authorizer!.Update(acl);
            }
        });
    }

    /// <summary>What the files say now that is worth a warning (for example a password file others can read).</summary>
    internal IReadOnlyList<string> CheckFiles() => Check(Options);

    /// <summary>Releases the authenticator's resources.</summary>
    public void Dispose() => _authenticator.Dispose();

    private static (PasswordFile? Passwords, AclFile? Acl) ReadFiles(SecurityOptions options)
    {
        var passwords = options.PasswordFile is { } passwordPath ? PasswordFile.Load(passwordPath) : null;
        var acl = options.AclFile is { } aclPath ? AclFile.Load(aclPath) : null;
        return (passwords, acl);
    }

    private static List<string> Check(SecurityOptions options)
    {
        var warnings = new List<string>();
        if (options.PasswordFile is null && options.AllowAnonymous == false)
        {
            warnings.Add("no password file and anonymous access off: every client is refused");
        }

        if (options.PasswordFile is { } path && !OperatingSystem.IsWindows())
        {
            try
            {
                var mode = File.GetUnixFileMode(path);
                if ((mode & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite)) != 0)
                {
                    warnings.Add($"password file {path} can be read or written by other users; run: chmod 600 {path}");
                }
            }
            catch (IOException)
            {
                // It was readable a moment ago; a vanished file is reported by the next load.
            }
        }

        return warnings;
    }
}
