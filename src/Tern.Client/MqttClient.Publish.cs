using System.Text;
using Tern.Client.Diagnostics;
using Tern.Client.Internal;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Topics;

namespace Tern.Client;

public sealed partial class MqttClient
{
    /// <summary>Publishes a UTF-8 text payload. See <see cref="PublishAsync(MqttMessage, CancellationToken)"/>.</summary>
    public Task<MqttPublishResult> PublishAsync(string topic, string payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttMessage(topic, payload) { QoS = qos, Retain = retain }, cancellationToken);

    /// <summary>Publishes a binary payload. See <see cref="PublishAsync(MqttMessage, CancellationToken)"/>.</summary>
    public Task<MqttPublishResult> PublishAsync(string topic, ReadOnlyMemory<byte> payload, QualityOfService qos = QualityOfService.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default) =>
        PublishAsync(new MqttMessage(topic, payload) { QoS = qos, Retain = retain }, cancellationToken);

    /// <summary>
    /// Publishes an Application Message. It joins the publish queue, which is sent in order as the broker's Receive
    /// Maximum allows; while disconnected it waits there for the reconnect (see <see cref="MqttClientOptions.OfflineQueue"/>).
    /// The task completes when QoS 0 is flushed to the network, QoS 1 is PUBACK'd, QoS 2 is PUBCOMP'd (or refused
    /// by PUBREC), with the acknowledgement's reason code. Cancelling removes a message still queued; once sent, it
    /// only stops the wait (the exchange goes on, as the protocol requires).
    /// </summary>
    /// <exception cref="ArgumentException">The topic is not a valid Topic Name (empty, wildcards, U+0000) or the QoS is not 0, 1 or 2.</exception>
    /// <exception cref="MqttMessageDroppedException">The queue was full (policy), or the broker's Maximum Packet Size / Maximum QoS / Retain Available forbids the message.</exception>
    /// <exception cref="MqttClientException">Not connected and the offline queue is disabled.</exception>
    public Task<MqttPublishResult> PublishAsync(MqttMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        if ((byte)message.QoS > 2)
        {
            throw new ArgumentException("QoS must be 0, 1 or 2.", nameof(message));
        }

        byte[] topic = Encoding.UTF8.GetBytes(message.Topic);
        var violation = TopicName.Validate(topic, _options.ProtocolVersion);
        if (!violation.IsNone)
        {
            throw new ArgumentException($"'{message.Topic}' is not a valid Topic Name: {violation.Description}.", nameof(message));
        }

        // Properties are kept in the 5.0 encoding whatever the version: the PUBLISH writer leaves them out for 3.1.1,
        // and the durable store then holds the whole message.
        byte[] properties = MessageEncoding.EncodeProperties(message, ProtocolVersion.V500);
        cancellationToken.ThrowIfCancellationRequested();
        long storeId = _store?.Add(message.Topic, message.QoS, message.Retain, properties, message.Payload.Span) ?? 0;
        var pending = new PendingPublish(message, topic, properties, storeId) { Sequence = Interlocked.Increment(ref _sequence) };
        PendingPublish? dropped = null;
        lock (_sync)
        {
            if (_state == ClientState.Disposed || (_connection is null && !_options.OfflineQueue.Enabled))
            {
                ForgetStored(pending);
                ThrowIfDisposed();
                throw new MqttClientException("not connected (the offline queue is disabled)");
            }

            PurgeCompletedHead();
            if (_queue.Count >= _options.OfflineQueue.Capacity)
            {
                if (_options.OfflineQueue.FullPolicy == MqttQueueFullPolicy.RejectNew)
                {
                    dropped = pending;
                }
                else
                {
                    dropped = _queue.First!.Value;
                    _queue.RemoveFirst();
                }
            }

            if (dropped != pending)
            {
                _queue.AddLast(pending);
                SignalChanged();
            }
        }

        if (dropped is not null)
        {
            ClientLog.MessageDropped(_logger, _options.OfflineQueue.Capacity, dropped.Message.Topic);
            ForgetStored(dropped);
            dropped.TryFail(new MqttMessageDroppedException($"the publish queue is full ({_options.OfflineQueue.Capacity} messages)"));
        }

        if (!cancellationToken.CanBeCanceled)
        {
            return pending.Task;
        }

        return WaitCancellableAsync(pending, cancellationToken);
    }

    /// <summary>
    /// Waits until every message published so far (or loaded from the queue file) has left the client: acknowledged,
    /// flushed, dropped or failed. Call it before <see cref="DisconnectAsync(CancellationToken)"/> to disconnect with
    /// nothing in flight.
    /// </summary>
    public async Task WhenDeliveredAsync(CancellationToken cancellationToken = default)
    {
        Task[] pending;
        lock (_sync)
        {
            pending = [.. _queue.Select(p => p.Task), .. _inflight.Values.Select(p => p.Task), .. _qos0InTransit.Select(p => p.Task)];
        }

        try
        {
            await Task.WhenAll(pending).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is MqttClientException or ObjectDisposedException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            // A failed or cancelled publish has left the client too; its own caller sees why.
        }
    }

    private async Task<MqttPublishResult> WaitCancellableAsync(PendingPublish pending, CancellationToken cancellationToken)
    {
        try
        {
            return await pending.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            CancelQueued(pending, cancellationToken);
            throw;
        }
    }

    private void CancelQueued(PendingPublish pending, CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (pending.State != PublishState.Queued || !_queue.Remove(pending))
            {
                return;
            }
        }

        ForgetStored(pending);
        pending.TryCancel(cancellationToken);
    }

    private void ForgetStored(PendingPublish pending)
    {
        if (pending.StoreId != 0)
        {
            _store?.Remove(pending.StoreId);
        }
    }

    private void CompletePublish(PendingPublish pending, MqttPublishResult result)
    {
        ForgetStored(pending);
        pending.TryComplete(result);
    }

    private void FailPublish(PendingPublish pending, Exception exception)
    {
        ForgetStored(pending);
        pending.TryFail(exception);
    }

    // Under _sync.
    private void PurgeCompletedHead()
    {
        while (_queue.First is { Value.IsCompleted: true })
        {
            _queue.RemoveFirst();
        }
    }

    /// <summary>
    /// Feeds the publish queue to one connection, in order: a QoS 0 message goes at once, a QoS 1/2 message when fewer
    /// than the send window (min of <see cref="MqttClientOptions.MaxInflightMessages"/> and the broker's Receive
    /// Maximum, [MQTT-3.3.4-7] in 5.0) are in flight. Ends when the connection does.
    /// </summary>
    private async Task SendQueuedAsync(ClientConnection connection)
    {
        var token = connection.Stopping;
        var refused = new List<(PendingPublish Publish, string Reason)>();
        var outgoing = new List<PendingPublish>();
        try
        {
            while (!token.IsCancellationRequested)
            {
                Task wait;
                lock (_sync)
                {
                    if (_connection != connection)
                    {
                        return;
                    }

                    while (true)
                    {
                        PurgeCompletedHead();
                        if (_queue.First is not { } node)
                        {
                            break;
                        }

                        var pending = node.Value;
                        if (pending.QoS != QualityOfService.AtMostOnce && _inflight.Count >= connection.Settings.SendWindow)
                        {
                            break;
                        }

                        _queue.RemoveFirst();
                        if (Refusal(pending, connection.Settings) is { } reason)
                        {
                            refused.Add((pending, reason));
                            continue;
                        }

                        if (pending.QoS == QualityOfService.AtMostOnce)
                        {
                            _qos0InTransit.Add(pending);
                            pending.State = PublishState.InTransit;
                        }
                        else
                        {
                            if (!_ids.TryAllocate(out ushort id))
                            {
                                _queue.AddFirst(pending);
                                break;
                            }

                            pending.PacketIdentifier = id;
                            pending.State = pending.QoS == QualityOfService.AtLeastOnce ? PublishState.AwaitingPubAck : PublishState.AwaitingPubRec;
                            _inflight[id] = pending;
                        }

                        outgoing.Add(pending);
                        pending.WasSent = true;
                    }

                    wait = _changed.Task;
                }

                // Outside the lock: a durable QoS 2 message's packet identifier is on disk before the PUBLISH leaves,
                // so that a restarted process resends it with the same one (FileMessageStore).
                foreach (var pending in outgoing)
                {
                    if (pending.StoreId != 0 && pending.QoS == QualityOfService.ExactlyOnce)
                    {
                        _store?.MarkSent(pending.StoreId, pending.PacketIdentifier);
                    }

                    connection.Enqueue(OutboundPacket.ForPublish(pending, duplicate: false));
                }

                outgoing.Clear();

                foreach (var (publish, reason) in refused)
                {
                    ClientLog.MessageRefused(_logger, publish.Message.Topic, reason);
                    FailPublish(publish, new MqttMessageDroppedException(reason));
                }

                refused.Clear();
                await wait.WaitAsync(token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    // What the broker announced forbids this message (5.0 §3.2.2.3): it would close the connection if it came.
    private static string? Refusal(PendingPublish pending, ConnectionSettings settings)
    {
        if (pending.QoS > settings.MaximumQoS)
        {
            return $"the broker accepts at most QoS {(byte)settings.MaximumQoS} ([MQTT-3.2.2-11])";
        }

        if (pending.Message.Retain && !settings.RetainAvailable)
        {
            return "the broker does not support retained messages ([MQTT-3.2.2-14])";
        }

        long size;
        try
        {
            // Room for a Topic Alias property (3 bytes) when aliases may be used: the exact form is chosen by the write loop.
            int aliasRoom = settings.AutoTopicAliases && settings.ServerTopicAliasMaximum > 0 ? 3 : 0;
            size = PublishPacket.GetSize(settings.Version, pending.QoS, pending.Topic.Length, pending.Properties.Length + aliasRoom, pending.Message.Payload.Length);
        }
        catch (ArgumentException)
        {
            size = long.MaxValue;
        }

        return size > settings.ServerMaximumPacketSize
            ? $"the PUBLISH would be {size} bytes, over the broker's Maximum Packet Size of {settings.ServerMaximumPacketSize} ([MQTT-3.2.2-15])"
            : null;
    }
}
