namespace Tern.TestKit;

/// <summary>
/// Thrown by the kit when what a test waited for did not happen: a timeout, an unexpected frame, a missing peer.
/// Any test framework reports it as a failure with its message, so the kit depends on none.
/// </summary>
public sealed class ExpectationFailedException : Exception
{
    /// <summary>Creates the exception with an empty message.</summary>
    public ExpectationFailedException()
    {
    }

    /// <summary>Creates the exception with the failure's description.</summary>
    public ExpectationFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the failure's description and its cause.</summary>
    public ExpectationFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
