namespace Tern.Broker;

/// <summary>
/// A password file, ACL file or security setting that cannot be used: unreadable, or a line that does not parse.
/// The message names the file and the line (<c>/etc/tern/acl line 7: ...</c>) and never contains a password or hash.
/// </summary>
public sealed class SecurityConfigurationException : Exception
{
    /// <summary>Creates the exception for a problem not tied to a file.</summary>
    public SecurityConfigurationException()
        : base("invalid security configuration")
    {
    }

    /// <summary>Creates the exception with a complete message.</summary>
    public SecurityConfigurationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and its cause.</summary>
    public SecurityConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem on one line of a file: the message becomes <c>{path} line {line}: {problem}</c>.</summary>
    /// <param name="path">The file, as configured.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="problem">What is wrong, without secrets.</param>
    public SecurityConfigurationException(string path, int line, string problem)
        : base($"{path} line {line}: {problem}")
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file at fault, when there is one.</summary>
    public string? Path { get; }

    /// <summary>The 1-based line at fault, or 0 when the problem is the whole file.</summary>
    public int Line { get; }
}
