using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace Tern.Broker.Transport;

/// <summary>
/// One accepted socket of the socket transport, seen by <see cref="Connections.MqttConnection"/> as any other
/// <see cref="ConnectionContext"/>. It is its own <see cref="IDuplexPipe"/>, item dictionary and feature collection,
/// so a connection is this object, a reader, a writer and its <see cref="StreamSocket"/>; the connection id, a
/// dictionary and a feature collection are created only when someone asks for them.
/// </summary>
internal sealed partial class SocketConnection : ConnectionContext, IDuplexPipe, Connections.IConnectionEndListener
{
    private static long s_lastId;

    private readonly StreamSocket _socket;
    private readonly SocketListener _owner;
    private readonly long _id = Interlocked.Increment(ref s_lastId);
    private string? _connectionId;
    private int _closed;

    public SocketConnection(StreamSocket socket, SocketListener owner)
    {
        _owner = owner;
        _socket = socket;
        Input = new SocketPipeReader(socket);
        Output = new SocketPipeWriter(socket);
        RemoteEndPoint = socket.RemoteEndPoint;
    }

    /// <summary>Neighbours in the listener's list of open connections (guarded by the listener's lock).</summary>
    internal SocketConnection? Previous { get; set; }

    /// <inheritdoc cref="Previous"/>
    internal SocketConnection? Next { get; set; }

    /// <inheritdoc/>
    public PipeReader Input { get; }

    /// <inheritdoc/>
    public PipeWriter Output { get; }

    /// <inheritdoc/>
    public override IDuplexPipe Transport
    {
        get => this;
        set => throw new NotSupportedException("The socket transport's pipes cannot be replaced.");
    }

    /// <inheritdoc/>
    public override string ConnectionId
    {
        get => _connectionId ??= "tern-" + _id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _connectionId = value;
    }

    /// <inheritdoc/>
    public override IFeatureCollection Features => this;

    /// <inheritdoc/>
    public override IDictionary<object, object?> Items
    {
        get => this;
        set => throw new NotSupportedException("The socket transport's items cannot be replaced.");
    }

    /// <inheritdoc/>
    public override EndPoint? LocalEndPoint
    {
        get => base.LocalEndPoint ?? SafeLocalEndPoint();
        set => base.LocalEndPoint = value;
    }

    /// <summary>
    /// Ends the connection at once: both directions of the socket are shut down, so a pending receive ends and a
    /// pending send fails; the socket itself is closed by <see cref="DisposeAsync"/> once the connection's loops ended.
    /// </summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Not connected any more, or already closed: nothing to end.
        }
    }

    /// <inheritdoc/>
    void Connections.IConnectionEndListener.OnConnectionEnded() => _owner.OnConnectionEnded(this);

    /// <inheritdoc/>
    public override ValueTask DisposeAsync()
    {
        Close();
        return ValueTask.CompletedTask;
    }

    /// <summary>Completes the pipes (their buffers go back to the pool) and closes the socket. Safe to call twice.</summary>
    public void Close()
    {
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        Input.Complete();
        Output.Complete();
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The peer is gone already.
        }

        _socket.Close();
    }

    private EndPoint? SafeLocalEndPoint() => _socket.LocalEndPoint;
}
