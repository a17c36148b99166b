using System.Net;
using System.Net.Sockets;
using Tern.Protocol;

namespace Tern.Cli.Bench;

/// <summary>
/// The blocking handshake of the connections scenario. Opening idle connections is all system calls and waiting for
/// CONNACK; with asynchronous sockets each connect also paid for the runtime's socket engine (a registration, an
/// epoll wake-up and a thread-pool hop for the connect and again for the CONNACK) and a timer for its deadline, and the
/// generator, not the broker, set the connect rate. Here a connector thread makes the calls itself and sleeps in the
/// kernel while the broker answers; the deadline is the socket's own send and receive timeout.
/// </summary>
internal sealed partial class BenchConnection
{
    /// <summary>Linux's <c>SOL_IP</c> level and <c>IP_BIND_ADDRESS_NO_PORT</c> (since 4.2): bind the address now, the port at connect.</summary>
    private const int SolIp = 0;

    /// <inheritdoc cref="SolIp"/>
    private const int IpBindAddressNoPort = 24;

    /// <summary>
    /// Opens a TCP connection (from <paramref name="source"/> when given), sends CONNECT (clean session, keep alive 0)
    /// and waits for an accepting CONNACK, blocking the calling thread at most about <paramref name="timeout"/> per step.
    /// </summary>
    /// <exception cref="BenchException">The connection or the CONNACK failed; the message says why.</exception>
    public static BenchConnection Open(EndPoint broker, string host, int port, IPAddress? source, string clientId, string name, ProtocolVersion version, TimeSpan timeout)
    {
        int milliseconds = (int)timeout.TotalMilliseconds;
        var socket = new Socket(broker.AddressFamily, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            SendTimeout = milliseconds,
            ReceiveTimeout = milliseconds,
        };
        try
        {
            if (source is not null)
            {
                if (OperatingSystem.IsLinux())
                {
                    // The port is chosen by connect, for the whole 4-tuple, not searched for by bind among every port
                    // this source address already uses: the search grew with the connections held.
                    socket.SetRawSocketOption(SolIp, IpBindAddressNoPort, [1, 0, 0, 0]);
                }

                socket.Bind(new IPEndPoint(source, 0));
            }

            socket.Connect(broker);
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw BenchException.CannotConnect(host, port, e);
        }

        var connection = new BenchConnection(socket, name, version, latency: null);
        try
        {
            connection.Handshake(clientId);
            return connection;
        }
        catch (Exception e) when (e is SocketException or BenchException)
        {
            _ = connection.DisposeAsync(); // Synchronous: it closes the socket and returns the buffers.
            throw e is BenchException ? e : new BenchException($"{name}: no CONNACK from {host}:{port}: {BenchException.Describe(e)}", e);
        }
    }

    private void Handshake(string clientId)
    {
        WriteConnect(clientId, persistent: false);
        var pending = _send.Written.Span;
        while (!pending.IsEmpty)
        {
            pending = pending[_socket.Send(pending)..];
        }

        _send.Clear();
        while (true)
        {
            if (TryScan(out var header))
            {
                AcceptConnAck(header);
                Consume(header);
                return;
            }

            PrepareReceive();
            int read = _socket.Receive(_receive.AsSpan(_filled));
            if (read == 0)
            {
                throw new BenchException($"{Name}: the broker closed the connection");
            }

            _filled += read;
        }
    }
}
