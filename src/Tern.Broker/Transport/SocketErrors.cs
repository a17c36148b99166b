using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;

namespace Tern.Broker.Transport;

/// <summary>
/// Turns socket errors into the exceptions the connection code expects of a transport (the same ones Kestrel's
/// transport throws): a reset is <see cref="ConnectionResetException"/>, an aborted or closed socket
/// <see cref="ConnectionAbortedException"/>, anything else an <see cref="IOException"/>.
/// </summary>
internal static class SocketErrors
{
    public static Exception Map(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown
            => new ConnectionResetException(exception.Message, exception),
        SocketError.OperationAborted or SocketError.Interrupted or SocketError.NotSocket
            => new ConnectionAbortedException(exception.Message, exception),
        _ => new IOException(exception.Message, exception),
    };

    public static Exception Aborted(ObjectDisposedException exception) =>
        new ConnectionAbortedException("The connection was closed.", exception);
}
