using Tern.Broker.Admin;

namespace Tern.Broker.Channel;

internal sealed partial class MqttChannel
{
    /// <summary>True between an accepted CONNECT and the close.</summary>
    public bool IsConnected => State == ChannelState.Connected;

    /// <summary>What the admin API shows of this connection; null unless it is connected.</summary>
    public ClientSnapshot? Snapshot()
    {
        var session = _session;
        if (!IsConnected || session is null)
        {
            return null;
        }

        var time = _engine.TimeProvider;
        var connectedSince = time.GetUtcNow() - time.GetElapsedTime(_createdAt);
        return new ClientSnapshot(
            ClientId,
            _connection.RemoteEndPoint,
            ProtocolVersion,
            connectedSince,
            KeepAlive,
            session.QueuedCount,
            session.InflightCount,
            _connection.Listener.DisplayName,
            session.ExpiryInterval);
    }
}
