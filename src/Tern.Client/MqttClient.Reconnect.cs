using System.Buffers;
using Tern.Client.Diagnostics;
using Tern.Client.Internal;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client;

public sealed partial class MqttClient
{
    /// <summary>Disconnects normally: DISCONNECT 0x00, so the broker discards the Will Message. See <see cref="DisconnectAsync(ReasonCode, uint?, CancellationToken)"/>.</summary>
    public Task DisconnectAsync(CancellationToken cancellationToken = default) => DisconnectAsync(ReasonCode.Success, null, cancellationToken);

    /// <summary>
    /// Sends DISCONNECT after everything already queued for the network, closes the connection and stops reconnecting.
    /// Every subscription's stream ends. Messages still in the publish queue stay there (and in its file) and go out
    /// at the next <see cref="ConnectAsync"/>; their tasks keep waiting until then or until disposal.
    /// </summary>
    /// <param name="reasonCode">5.0: the Disconnect Reason Code, e.g. 0x04 Disconnect with Will Message. Ignored for 3.1.1.</param>
    /// <param name="sessionExpiryInterval">5.0: a new Session Expiry Interval, or null to keep the one of CONNECT.</param>
    /// <param name="cancellationToken">Stops waiting for the DISCONNECT to be written.</param>
    public async Task DisconnectAsync(ReasonCode reasonCode, uint? sessionExpiryInterval, CancellationToken cancellationToken = default)
    {
        ClientConnection? connection;
        Task supervisor;
        lock (_sync)
        {
            if (_state is ClientState.Disposed or ClientState.Idle)
            {
                return;
            }

            _lifetime?.Cancel();
            connection = _connection;
            supervisor = _supervisor;
        }

        if (connection is not null)
        {
            var writer = new ArrayBufferWriter<byte>(16);
            var properties = new PropertyBuilder();
            if (sessionExpiryInterval is { } expiry)
            {
                properties.AddUInt32(PropertyId.SessionExpiryInterval, expiry);
            }

            DisconnectPacket.Write(writer, new DisconnectPacket { ReasonCode = reasonCode, Properties = new MqttProperties(properties.Span) }, connection.Version);
            await connection.CloseAfterAsync(writer.WrittenSpan.ToArray(), new DisconnectInfo(MqttDisconnectReason.ClientDisconnected), TimeSpan.FromSeconds(5))
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        await supervisor.WaitAsync(cancellationToken).ConfigureAwait(false);
        EndSubscriptions(null);
        lock (_sync)
        {
            if (_state != ClientState.Disposed)
            {
                _state = ClientState.Idle;
            }
        }
    }

    /// <summary>
    /// Watches one connection after another: when one ends, cleans up after it, raises <see cref="Disconnected"/>, and
    /// unless the client asked to stop, reconnects with backoff and raises <see cref="Connected"/>.
    /// </summary>
    private async Task SuperviseAsync(ClientConnection connection, CancellationToken lifetime)
    {
        while (true)
        {
            var info = await connection.Completion.ConfigureAwait(false);
            FailReauthentication(info);
            bool reconnect = _options.Reconnect.Enabled && info.Reason != MqttDisconnectReason.ClientDisconnected && !lifetime.IsCancellationRequested;
            Detach(connection, reconnect);
            ClientLog.Disconnected(_logger, connection.Remote, info.ReasonString ?? info.Reason.ToString());
            Raise(Disconnected, new MqttDisconnectedEventArgs(info.Reason, info.ReasonCode, info.ReasonString, info.Exception, reconnect));
            if (!reconnect)
            {
                if (info.Reason != MqttDisconnectReason.ClientDisconnected)
                {
                    EndSubscriptions(new MqttClientException($"the connection was lost: {info.ReasonString ?? info.Reason.ToString()}"));
                    lock (_sync)
                    {
                        if (_state != ClientState.Disposed)
                        {
                            _state = ClientState.Idle;
                        }
                    }
                }

                return;
            }

            var next = await ReconnectAsync(lifetime).ConfigureAwait(false);
            if (next is null)
            {
                return;
            }

            connection = next;
        }
    }

    private async Task<ClientConnection?> ReconnectAsync(CancellationToken lifetime)
    {
        for (int attempt = 0; ; attempt++)
        {
            var delay = _options.Reconnect.DelayFor(attempt, Random.Shared.NextDouble());
            ClientLog.Reconnecting(_logger, RemoteDescription, (long)delay.TotalMilliseconds, attempt + 1);
            try
            {
                await Task.Delay(delay, _options.TimeProvider, lifetime).ConfigureAwait(false);
                var (connection, result) = await EstablishAsync(isReconnect: true, lifetime).ConfigureAwait(false);
                Raise(Connected, new MqttConnectedEventArgs(result, isReconnect: true));
                return connection;
            }
            catch (OperationCanceledException) when (lifetime.IsCancellationRequested)
            {
                lock (_sync)
                {
                    if (_state == ClientState.Reconnecting)
                    {
                        _state = ClientState.Idle;
                    }

                    _connectedSignal.TrySetException(new MqttClientException("the client stopped reconnecting"));
                }

                return null;
            }
            catch (MqttClientException e)
            {
                ClientLog.ConnectFailed(_logger, RemoteDescription, e.Message);
            }
        }
    }

    // After a connection ended: fail what awaited an answer on it, put QoS 0 messages it never flushed back in the
    // queue, and let waiters know whether a reconnect follows.
    private void Detach(ClientConnection connection, bool reconnect)
    {
        List<PendingRequest> failed;
        lock (_sync)
        {
            if (_connection == connection)
            {
                _connection = null;
            }

            failed = [.. _requests.Values];
            foreach (ushort id in _requests.Keys)
            {
                _ids.Release(id);
            }

            _requests.Clear();
            foreach (var pending in _qos0InTransit.OrderByDescending(p => p.Sequence))
            {
                if (!pending.IsCompleted)
                {
                    pending.State = PublishState.Queued;
                    _queue.AddFirst(pending);
                }
            }

            _qos0InTransit.Clear();
            if (_state != ClientState.Disposed)
            {
                _state = reconnect ? ClientState.Reconnecting : ClientState.Idle;
            }

            if (_connectedSignal.Task.IsCompleted)
            {
                _connectedSignal = NewSignal();
            }

            if (!reconnect)
            {
                _connectedSignal.TrySetException(new MqttClientException("not connected"));
                _ = _connectedSignal.Task.Exception;
            }

            SignalChanged();
        }

        foreach (var request in failed)
        {
            request.Fail(new MqttClientException("the connection was lost before the broker answered"));
        }
    }

    private void EndSubscriptions(Exception? error)
    {
        List<MqttSubscription> ended;
        lock (_sync)
        {
            ended = [.. _subscriptions];
            _subscriptions.Clear();
        }

        foreach (var subscription in ended)
        {
            subscription.Complete(error);
        }
    }

    /// <summary>The current connection, waiting (bounded by <paramref name="cancellationToken"/>) while a (re)connect is under way.</summary>
    private async Task<ClientConnection> WaitForConnectionAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task wait;
            lock (_sync)
            {
                ThrowIfDisposed();
                if (_connection is { } connection)
                {
                    if (!connection.IsClosing)
                    {
                        return connection;
                    }

                    wait = connection.Completion;
                }
                else
                {
                    wait = _connectedSignal.Task;
                }

                if (_state is not (ClientState.Connecting or ClientState.Reconnecting or ClientState.Connected))
                {
                    throw new MqttClientException("not connected");
                }
            }

            await wait.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
