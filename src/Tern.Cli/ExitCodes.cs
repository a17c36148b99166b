namespace Tern.Cli;

/// <summary>The process exit codes of <c>tern</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Finished as asked.</summary>
    public const int Success = 0;

    /// <summary>Failed while running (a port in use, a broker that refused the connection).</summary>
    public const int Failure = 1;

    /// <summary>A bad option, configuration file or value: nothing was started.</summary>
    public const int Usage = 2;

    /// <summary><c>tern broker</c>: the data directory or its database cannot be used (unwritable, corrupt, truncated, from a newer version).</summary>
    public const int Storage = 3;
}
