using System.Globalization;
using System.Net.Sockets;

namespace Tern.Cli.Bench;

/// <summary>
/// A run that cannot go on: the broker refused or dropped a connection, or sent something that is no MQTT. The message
/// is the one line <c>tern bench</c> prints before exiting with code 1.
/// </summary>
internal sealed class BenchException : Exception
{
    public BenchException()
    {
    }

    public BenchException(string message)
        : base(message)
    {
    }

    public BenchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>"cannot connect to 127.0.0.1:1883: connection refused".</summary>
    public static BenchException CannotConnect(string host, int port, Exception cause) =>
        new(string.Create(CultureInfo.InvariantCulture, $"cannot connect to {host}:{port}: {Describe(cause)}"), cause);

    /// <summary>A short, lower-case reason for a socket failure, as Unix tools print them.</summary>
    public static string Describe(Exception e) => e switch
    {
        SocketException s => s.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.ConnectionReset => "connection reset by the broker",
            SocketError.ConnectionAborted => "connection aborted",
            SocketError.TimedOut => "timed out",
            SocketError.HostNotFound or SocketError.NoData => "host not found",
            SocketError.HostUnreachable => "host unreachable",
            SocketError.NetworkUnreachable => "network unreachable",
            SocketError.AddressNotAvailable => "source address not available",
            SocketError.AddressAlreadyInUse => "no free local port (address already in use)",
            SocketError.TooManyOpenSockets => "too many open files",
            _ => s.Message.ToLowerInvariant(),
        },
        OperationCanceledException or TimeoutException => "timed out",
        BenchException b => b.Message,
        _ => e.Message,
    };
}
