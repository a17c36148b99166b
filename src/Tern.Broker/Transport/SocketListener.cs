using System.Net;
using System.Net.Sockets;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Transport;

/// <summary>
/// One <c>mqtt</c> listener of the socket transport: binds, accepts, admits each socket through the connection limits
/// and runs an <see cref="MqttConnection"/> on it. The connection starts on the accepting thread (no hand-off per
/// accept); its first await hands it to the socket engine. How sockets are accepted and carried depends on the engine
/// (SocketListener.Accepting.cs): Tern's own <c>epoll</c> loop on Linux x86-64, the runtime's sockets elsewhere.
/// </summary>
internal sealed partial class SocketListener
{
    private const int Backlog = 512;

    private readonly MqttListenerOptions _options;
    private readonly BrokerEngine _engine;
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _allEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Socket? _socket;
    private Task _accepting = Task.CompletedTask;
    private SocketConnection? _first;
    private int _open;
    private bool _stopping;

    public SocketListener(MqttListenerOptions options, BrokerEngine engine)
    {
        _options = options;
        _engine = engine;
    }

    /// <summary>The listener's options.</summary>
    public MqttListenerOptions Options => _options;

    /// <summary>The bound address and port (the real port when 0 was asked for); set by <see cref="Bind"/>.</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>Connections accepted and not yet ended.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>A snapshot of the open connections (for tests and diagnostics).</summary>
    public IReadOnlyList<SocketConnection> GetConnections()
    {
        var connections = new List<SocketConnection>();
        lock (_gate)
        {
            for (var connection = _first; connection is not null; connection = connection.Next)
            {
                connections.Add(connection);
            }
        }

        return connections;
    }

    /// <summary>Binds and listens; accepting starts with <see cref="Start"/>.</summary>
    /// <exception cref="IOException">The address cannot be bound (in use, not on this machine, not allowed).</exception>
    public void Bind()
    {
        var address = _options.GetAddress();
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                // "::" serves IPv4 clients too, as Kestrel's binding of the same address does.
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(address, _options.Port));
            socket.Listen(Backlog);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new IOException($"Failed to bind to address mqtt://{FormatAddress(address)}:{_options.Port}: {ex.Message}.", ex);
        }

        _socket = socket;
        EndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Stops accepting: closes the listening socket and waits for the accept loop to end. Open connections stay.</summary>
    public async Task StopAcceptingAsync()
    {
        lock (_gate)
        {
            _stopping = true;
            if (_open == 0)
            {
                _allEnded.TrySetResult();
            }
        }

        CloseListening();
        await _accepting.ConfigureAwait(false);
    }

    /// <summary>Closes the listening socket without waiting (disposal of a host that never stopped).</summary>
    public void CloseListeningSocket()
    {
        Volatile.Write(ref _stopping, true);
        CloseListening();
    }

    /// <summary>Aborts every connection still open and waits (at most <paramref name="timeout"/>) until all have ended.</summary>
    public async Task AbortAllAsync(TimeSpan timeout)
    {
        var aborted = new Microsoft.AspNetCore.Connections.ConnectionAbortedException("The broker is stopping.");
        lock (_gate)
        {
            for (var connection = _first; connection is not null; connection = connection.Next)
            {
                connection.Abort(aborted);
            }
        }

        try
        {
            await _allEnded.Task.WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // A connection whose loops did not end after an abort: the process ends anyway.
        }
    }

    /// <summary>
    /// Admits an accepted socket: connection count, rate per address and the memory guard are checked before any MQTT
    /// byte is read (a refused connection costs an accept and a close), then the connection runs on this thread until
    /// its first wait.
    /// </summary>
    private void Admit(StreamSocket accepted)
    {
        if (!_engine.Limits.TryAdmit(_options, accepted.RemoteEndPoint))
        {
            accepted.Close();
            return;
        }

        RunAdmitted(accepted);
    }

    /// <summary>Runs an admitted socket's connection; if that fails, the socket and its admission are given back and the error logged.</summary>
    private void RunAdmitted(StreamSocket accepted)
    {
        try
        {
            Run(accepted);
        }
        catch (Exception ex)
        {
            accepted.Close();
            _engine.Limits.Release(_options);
            BrokerLog.AdmitFailed(_engine.Logger, _options.DisplayName, ex);
        }
    }

    private void Run(StreamSocket accepted)
    {
        // Everything that can fail comes before the connection is listed (the accept loop then closes the socket).
        var connection = new SocketConnection(accepted, this);
        var mqtt = new MqttConnection(connection, _engine);
        lock (_gate)
        {
            _open++;
            connection.Next = _first;
            if (_first is not null)
            {
                _first.Previous = connection;
            }

            _first = connection;
        }

        // Not awaited: the connection tells this listener when it has ended (OnConnectionEnded), so an idle
        // connection parks one state machine (its read loop), not a second one here waiting for it.
        _ = mqtt.RunAsync();
    }

    /// <summary>Called by <paramref name="connection"/> once its MQTT connection has ended: releases it and its admission.</summary>
    internal void OnConnectionEnded(SocketConnection connection)
    {
        _engine.Limits.Release(_options);
        connection.Close();
        lock (_gate)
        {
            if (connection.Previous is { } previous)
            {
                previous.Next = connection.Next;
            }
            else
            {
                _first = connection.Next;
            }

            if (connection.Next is { } next)
            {
                next.Previous = connection.Previous;
            }

            connection.Previous = connection.Next = null;
            if (--_open == 0 && _stopping)
            {
                _allEnded.TrySetResult();
            }
        }
    }

    private static string FormatAddress(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{address}]" : address.ToString();
}
