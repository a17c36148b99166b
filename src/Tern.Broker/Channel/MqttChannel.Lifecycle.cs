using Tern.Broker.Diagnostics;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    /// <summary>
    /// DISCONNECT from the client: the will is discarded ([MQTT-3.14.4-3] in 3.1.1, [MQTT-3.14.4-3] in 5.0) unless a 5.0
    /// client asks for it with reason 0x04. A DISCONNECT that does not decode is a violation, and the will is published.
    /// </summary>
    private bool ProcessDisconnect(in FixedHeader header, ReadOnlySpan<byte> body)
    {
        if (!DisconnectPacket.TryDecode(header, body, ProtocolVersion, out var disconnect, out var violation))
        {
            return Violation(violation);
        }

        if (IsV5 && disconnect.Properties.TryGetInteger(PropertyId.SessionExpiryInterval, out uint expiry))
        {
            if (ConnectSessionExpiry == 0 && expiry != 0)
            {
                // 5.0 §3.14.2.2.2: a session that was to end with the connection cannot be made to outlive it here.
                return Violation(ProtocolViolation.ProtocolError("5.0 §3.14.2.2.2", "DISCONNECT sets a Session Expiry Interval after CONNECT set none"));
            }

            _session!.ExpiryInterval = Math.Min(expiry, _engine.Options.MaxSessionExpiryInterval);
        }

        Close(disconnect.ReasonCode == ReasonCode.DisconnectWithWillMessage ? CloseReason.ClientDisconnectedWithWill : CloseReason.ClientDisconnected);
        return false;
    }

    /// <summary>
    /// The connection is gone, for whatever reason. The will is published unless the client said DISCONNECT or the
    /// broker is shutting down; the session is detached, and ended if it ends with its connection.
    /// </summary>
    public void OnConnectionClosed()
    {
        var previous = (ChannelState)Interlocked.Exchange(ref _state, (int)ChannelState.Closed);
        if (previous != ChannelState.Connected)
        {
            return;
        }

        // A connection lost without DISCONNECT (reason still None) is an abnormal close ([MQTT-3.1.2-8] in 3.1.1).
        var reason = (CloseReason)Volatile.Read(ref _closeReason);
        _engine.Metrics.ClientDisconnected();
        BrokerLog.ClientDisconnected(Logger, ClientId, Describe(reason));
        var will = reason is CloseReason.ClientDisconnected or CloseReason.ServerShutdown ? null : _will;
        _will = null;
        if (_session is { } session)
        {
            _engine.Sessions.Disconnect(session, this, will, WillDelay);
        }
    }

    /// <summary>
    /// Called by the heartbeat: closes a connection that sent no CONNECT within the connect timeout, or nothing at
    /// all for 1.5 × its keep alive ([MQTT-3.1.2-24] in 3.1.1, [MQTT-3.1.2-22] in 5.0). 3.1.1 closes without a packet;
    /// 5.0 may send DISCONNECT 0x8D first, and does.
    /// </summary>
    public void CheckTimeouts(long now)
    {
        var time = _engine.TimeProvider;
        switch (State)
        {
            case ChannelState.AwaitingConnect or ChannelState.Authenticating:
                var waited = time.GetElapsedTime(_createdAt, now);
                // Logged once: the heartbeat keeps visiting the channel until the close has finished.
                if (waited >= _engine.Options.ConnectTimeout && Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.ConnectTimeout, (int)CloseReason.None) == (int)CloseReason.None)
                {
                    BrokerLog.ConnectTimeout(Logger, _connection.RemoteEndPoint, waited.TotalSeconds);
                    _connection.RequestClose();
                }

                break;
            case ChannelState.Connected when KeepAlive > 0:
                var silent = time.GetElapsedTime(Volatile.Read(ref _lastActivity), now);
                if (silent.TotalMilliseconds >= KeepAlive * 1500.0 && Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.KeepAliveTimeout, (int)CloseReason.None) == (int)CloseReason.None)
                {
                    BrokerLog.KeepAliveTimeout(Logger, ClientId, silent.TotalSeconds);
                    if (IsV5)
                    {
                        SendDisconnect(ReasonCode.KeepAliveTimeout);
                    }

                    _connection.RequestClose();
                }

                break;
        }
    }

    /// <summary>Another connection took this client id: 5.0 clients get DISCONNECT 0x8E ([MQTT-3.1.4-3] in 5.0), then the connection closes.</summary>
    public void CloseForTakeover()
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.TakenOver, (int)CloseReason.None) != (int)CloseReason.None)
        {
            return;
        }

        if (IsV5)
        {
            SendDisconnect(ReasonCode.SessionTakenOver);
        }

        _connection.RequestClose();
    }

    /// <summary>The broker is stopping: 5.0 clients get DISCONNECT 0x8B, then every connection closes.</summary>
    public void CloseForShutdown()
    {
        if (Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.ServerShutdown, (int)CloseReason.None) != (int)CloseReason.None)
        {
            return;
        }

        if (State == ChannelState.Connected && IsV5)
        {
            SendDisconnect(ReasonCode.ServerShuttingDown);
        }

        _connection.RequestClose();
    }

    /// <summary>
    /// An operator disconnects this client (admin API): 5.0 clients get DISCONNECT 0x98 Administrative action, 3.1 /
    /// 3.1.1 clients see the connection close. The will is published, as for any close the client did not ask for
    /// ([MQTT-3.1.2-8]: only a client's DISCONNECT deletes it). Returns false when the client was not connected or is
    /// already being closed.
    /// </summary>
    public bool CloseAdministratively()
    {
        if (State != ChannelState.Connected || Interlocked.CompareExchange(ref _closeReason, (int)CloseReason.AdministrativeAction, (int)CloseReason.None) != (int)CloseReason.None)
        {
            return false;
        }

        if (IsV5)
        {
            SendDisconnect(ReasonCode.AdministrativeAction);
        }

        _connection.RequestClose();
        return true;
    }

    private static string Describe(CloseReason reason) => reason switch
    {
        CloseReason.AdministrativeAction => "disconnected by an administrator",
        CloseReason.ClientDisconnected => "DISCONNECT",
        CloseReason.ClientDisconnectedWithWill => "DISCONNECT with will",
        CloseReason.ProtocolViolation => "protocol violation",
        CloseReason.KeepAliveTimeout => "keep alive timeout",
        CloseReason.ConnectTimeout => "connect timeout",
        CloseReason.TakenOver => "session taken over",
        CloseReason.ServerShutdown => "server shutdown",
        _ => "connection lost",
    };
}
