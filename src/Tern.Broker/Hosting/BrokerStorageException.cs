namespace Tern.Broker;

/// <summary>
/// The broker's data directory or database cannot be used: it cannot be created or opened, it is corrupt or truncated,
/// or its schema is newer than this broker. The broker does not start rather than start empty.
/// </summary>
public sealed class BrokerStorageException : Exception
{
    /// <summary>Creates the exception.</summary>
    public BrokerStorageException()
    {
    }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public BrokerStorageException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public BrokerStorageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
