using Tern.Client.Diagnostics;
using Tern.Client.Internal;
using Tern.Protocol;
using Tern.Protocol.Framing;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Client;

public sealed partial class MqttClient : IConnectionOwner
{
    InboundAction IConnectionOwner.Handle(ClientConnection connection, FixedHeader header, ReadOnlySpan<byte> body)
    {
        var version = connection.Version;
        switch (header.Type)
        {
            case PacketType.Publish:
                return HandlePublish(connection, header, body);
            case PacketType.PubAck or PacketType.PubRec or PacketType.PubComp or PacketType.PubRel:
                HandleAcknowledgement(connection, header, body);
                return InboundAction.None;
            case PacketType.SubAck:
                if (!SubAckPacket.TryDecode(header, body, version, out var subAck, out var subViolation))
                {
                    connection.FailProtocol(subViolation);
                    return InboundAction.None;
                }

                CompleteRequest(subAck.PacketIdentifier, ToResult(subAck));
                return InboundAction.None;
            case PacketType.UnsubAck:
                if (!UnsubAckPacket.TryDecode(header, body, version, out var unsubAck, out var unsubViolation))
                {
                    connection.FailProtocol(unsubViolation);
                    return InboundAction.None;
                }

                CompleteRequest(unsubAck.PacketIdentifier, unsubAck.ReasonCodes.IsEmpty ? null : new MqttUnsubscribeResult
                {
                    ReasonCodes = unsubAck.ReasonCodes.ToArray(),
                    ReasonString = unsubAck.Properties.GetStringOrNull(PropertyId.ReasonString),
                });
                return InboundAction.None;
            case PacketType.Auth when version == ProtocolVersion.V500:
                HandleAuth(connection, header, body);
                return InboundAction.None;
            case PacketType.PingResp:
                if (!PingPacket.TryDecode(header, body, version, out var pingViolation))
                {
                    connection.FailProtocol(pingViolation);
                    return InboundAction.None;
                }

                connection.OnPingResponse();
                return InboundAction.None;
            case PacketType.Disconnect:
                if (!DisconnectPacket.TryDecode(header, body, version, out var disconnect, out var disconnectViolation))
                {
                    connection.FailProtocol(disconnectViolation);
                    return InboundAction.None;
                }

                connection.Close(new DisconnectInfo(
                    disconnect.ReasonCode == ReasonCode.SessionTakenOver ? MqttDisconnectReason.SessionTakenOver : MqttDisconnectReason.ServerDisconnected,
                    disconnect.ReasonCode,
                    disconnect.Properties.GetStringOrNull(PropertyId.ReasonString) ?? ReasonCodes.GetName(disconnect.ReasonCode, PacketType.Disconnect)));
                return InboundAction.None;
            default:
                // CONNACK twice, or a packet only a
                // client sends: "a Client MUST NOT ... / a Server MUST NOT send" (3.1.1 §4.8, 5.0 §4.13).
                var violation = header.Validate(version);
                connection.FailProtocol(violation.IsNone
                    ? ProtocolViolation.ProtocolError(version == ProtocolVersion.V500 ? "5.0 §4.13" : "3.1.1 §4.8", "a packet a broker does not send at this point")
                    : violation);
                return InboundAction.None;
        }
    }

    async ValueTask IConnectionOwner.DeliverAsync(MqttMessage message, CancellationToken cancellationToken)
    {
        if (TryCompleteResponse(message))
        {
            return;
        }

        Raise(MessageReceived, new MqttMessageReceivedEventArgs(message));
        MqttSubscription[] matching;
        byte[] topic = System.Text.Encoding.UTF8.GetBytes(message.Topic);
        lock (_sync)
        {
            matching = [.. _subscriptions.Where(s => s.Accepts(topic, message.SubscriptionIdentifiers))];
        }

        foreach (var subscription in matching)
        {
            await subscription.WriteAsync(message, cancellationToken).ConfigureAwait(false);
        }
    }

    void IConnectionOwner.OnFlushed(PendingPublish publish)
    {
        lock (_sync)
        {
            _qos0InTransit.Remove(publish);
        }

        CompletePublish(publish, new MqttPublishResult { ReasonCode = ReasonCode.Success });
    }

    private InboundAction HandlePublish(ClientConnection connection, in FixedHeader header, ReadOnlySpan<byte> body)
    {
        var version = connection.Version;
        if (!PublishPacket.TryDecode(header, body, version, out var publish, out var violation))
        {
            connection.FailProtocol(violation);
            return InboundAction.None;
        }

        string topic;
        ushort alias = publish.TopicAlias;
        if (alias != 0)
        {
            // 5.0 §3.3.2.3.4: an alias above the Topic Alias Maximum this client announced is a Topic Alias invalid.
            if (alias > connection.Settings.TopicAliasMaximum)
            {
                connection.FailProtocol(new ProtocolViolation(ReasonCode.TopicAliasInvalid, "5.0 MQTT-3.3.2-9", "Topic Alias above the client's Topic Alias Maximum"));
                return InboundAction.None;
            }

            if (publish.TopicName.IsEmpty)
            {
                if (!connection.InboundAliases.TryGetValue(alias, out topic!))
                {
                    connection.FailProtocol(ProtocolViolation.ProtocolError("5.0 §3.3.4", "a Topic Alias that was never set"));
                    return InboundAction.None;
                }
            }
            else
            {
                topic = MessageEncoding.Utf8(publish.TopicName);
                connection.InboundAliases[alias] = topic;
            }
        }
        else
        {
            topic = MessageEncoding.Utf8(publish.TopicName);
        }

        var message = MessageEncoding.Decode(publish, topic);
        switch (publish.QoS)
        {
            case QualityOfService.AtMostOnce:
                return new InboundAction(message, PacketType.Reserved, 0);
            case QualityOfService.AtLeastOnce:
                return new InboundAction(message, PacketType.PubAck, publish.PacketIdentifier);
            default:
                bool first;
                lock (_sync)
                {
                    first = _awaitingRelease.Add(publish.PacketIdentifier);
                }

                if (!first)
                {
                    // Exactly once: a resend before PUBREL was already delivered; acknowledge it again, deliver it not
                    // again ([MQTT-4.3.3-2]).
                    connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRec, publish.PacketIdentifier));
                    return InboundAction.None;
                }

                return new InboundAction(message, PacketType.PubRec, publish.PacketIdentifier);
        }
    }

    private void HandleAcknowledgement(ClientConnection connection, in FixedHeader header, ReadOnlySpan<byte> body)
    {
        var version = connection.Version;
        if (!PubAckPacket.TryDecode(header, body, version, out var ack, out var violation))
        {
            connection.FailProtocol(violation);
            return;
        }

        ushort id = ack.PacketIdentifier;
        if (ack.Type == PacketType.PubRel)
        {
            bool known;
            lock (_sync)
            {
                known = _awaitingRelease.Remove(id);
            }

            connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubComp, id, known ? ReasonCode.Success : ReasonCode.PacketIdentifierNotFound));
            return;
        }

        PendingPublish? completed = null;
        PendingPublish? released = null;
        lock (_sync)
        {
            if (!_inflight.TryGetValue(id, out var pending))
            {
                if (ack.Type == PacketType.PubRec)
                {
                    connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRel, id, ReasonCode.PacketIdentifierNotFound));
                }

                return;
            }

            bool expected = (ack.Type, pending.State) switch
            {
                (PacketType.PubAck, PublishState.AwaitingPubAck) => true,
                (PacketType.PubRec, PublishState.AwaitingPubRec or PublishState.AwaitingPubComp) => true,
                (PacketType.PubComp, PublishState.AwaitingPubComp) => true,
                _ => false,
            };
            if (!expected)
            {
                connection.FailProtocol(ProtocolViolation.ProtocolError(version == ProtocolVersion.V500 ? "5.0 §4.3" : "3.1.1 §4.3", "an acknowledgement that does not fit the exchange of its packet identifier"));
                return;
            }

            if (ack.Type == PacketType.PubRec && !ReasonCodes.IsFailure(ack.ReasonCode))
            {
                pending.State = PublishState.AwaitingPubComp;
                released = pending;
            }
            else
            {
                _inflight.Remove(id);
                _ids.Release(id);
                completed = pending;
                SignalChanged();
            }
        }

        if (released is not null)
        {
            // The PUBREC is on disk before the PUBREL leaves: a restarted process then resends only the PUBREL.
            if (released.StoreId != 0)
            {
                _store?.MarkReleased(released.StoreId);
            }

            connection.Enqueue(OutboundPacket.ForAcknowledgement(PacketType.PubRel, id));
            return;
        }

        CompletePublish(completed!, new MqttPublishResult
        {
            ReasonCode = ack.ReasonCode,
            PacketIdentifier = id,
            ReasonString = ack.Properties.GetStringOrNull(PropertyId.ReasonString),
            UserProperties = MessageEncoding.UserProperties(ack.Properties),
        });
    }

    private void CompleteRequest(ushort id, object? result)
    {
        PendingRequest? request;
        lock (_sync)
        {
            if (_requests.Remove(id, out request))
            {
                _ids.Release(id);
            }
        }

        if (request is null)
        {
            return;
        }

        if (request.IsRestore && result is MqttSubscribeResult { IsSuccess: false } refused)
        {
            ClientLog.RestoreRefused(_logger, string.Join(", ", refused.ReasonCodes.Select(code => $"0x{(byte)code:X2}")));
        }

        // 3.1.1 UNSUBACK carries no reason codes: report Success for each filter.
        request.Complete(result ?? new MqttUnsubscribeResult { ReasonCodes = [.. Enumerable.Repeat(ReasonCode.Success, request.FilterCount)] });
    }
}
