using System.Buffers;
using System.Text;
using Tern.Broker.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Persistence;
using Tern.Protocol;
using Tern.Protocol.Packets;

namespace Tern.Broker.Channel;

/// <summary>
/// Acknowledgements that wait for durable storage (Persistence.Durability = Ack). A packet that recorded writes —
/// a QoS 1/2 PUBLISH routed to a persistent session or retained, a SUBSCRIBE of a persistent session, a PUBREL that
/// frees a stored packet identifier — is acknowledged from the durable writer's thread once the batch holding its
/// writes is committed. The read loop never waits: it goes on with the next packet. Acknowledgements leave in the order
/// of their packets ([MQTT-4.6.0-2], [MQTT-4.6.0-3]): while one waits, those after it wait too.
/// </summary>
internal sealed partial class MqttChannel
{
    private int _deferredAcknowledgements;

    // Only touched by the thread that runs the durable writer's callbacks: whether this channel holds its connection's
    // writer role for the current round of callbacks, and the action that gives it up at the end of the round.
    private bool _answering;
    private bool _answeringHoldsWriter;
    private Action? _endAnswering;

    /// <summary>The durable store cannot write: QoS 1/2 PUBLISHes are refused rather than acknowledged.</summary>
    private bool StoreFaulted => _engine.Durable is { IsFaulted: true };

    /// <summary>
    /// Whether what this packet did must be stored before it is answered: ack durability, and either this packet recorded
    /// writes since <paramref name="writesBefore"/> (a <see cref="DurableWriter.ThreadWrites"/> reading) or an earlier
    /// answer still waits.
    /// </summary>
    private bool MustWaitForStore(long writesBefore, out DurableWriter durable)
    {
        durable = _engine.Durable!;
        return _engine.Durable is { DefersAcknowledgements: true }
            && (DurableWriter.ThreadWrites != writesBefore || Volatile.Read(ref _deferredAcknowledgements) != 0);
    }

    /// <summary>Runs <paramref name="answer"/> with true once the writes are committed (or false when they failed), after the answers before it.</summary>
    private void WhenStored(DurableWriter durable, Action<bool> answer)
    {
        Interlocked.Increment(ref _deferredAcknowledgements);
        durable.AfterCommit(committed =>
        {
            try
            {
                BeginAnswering();
                answer(committed);
            }
            finally
            {
                Interlocked.Decrement(ref _deferredAcknowledgements);
            }
        });
    }

    /// <summary>
    /// Takes the connection's writer role for the rest of the writer's round of callbacks, once per round: the answers
    /// of this round go into the output pipe unflushed and leave in one send at its end (a commit answers up to
    /// 20 packets per publisher at once; a send each cost more than the whole commit). When the role is taken (the read
    /// loop is in a batch) the answers queue behind it and that holder sends them.
    /// </summary>
    private void BeginAnswering()
    {
        // Outside a round (a callback run at once on the caller's thread because the writer stopped) nothing is held:
        // the fields below belong to the one thread that runs the writer's rounds.
        if (_answering || !DurableWriter.InRound)
        {
            return;
        }

        _answering = true;
        _answeringHoldsWriter = _connection.BeginBatch();
        DurableWriter.WhenCallbacksDone(_endAnswering ??= EndAnswering);
    }

    private void EndAnswering()
    {
        _answering = false;
        if (_answeringHoldsWriter)
        {
            _answeringHoldsWriter = false;
            _connection.EndBatch();
        }
    }

    /// <summary>What goes out instead of an acknowledgement whose writes failed to commit.</summary>
    private enum UnstoredAnswer
    {
        /// <summary>The acknowledgement anyway (nothing the client relies on was lost).</summary>
        Acknowledge,

        /// <summary>Close the connection: the client resends after reconnecting.</summary>
        Close,

        /// <summary>PUBACK / PUBREC 0x80 (5.0) or a close (3.1.1).</summary>
        RefusePublish,
    }

    /// <summary>Sends an acknowledgement, at once or once stored. Allocates only when it has to wait.</summary>
    private void Acknowledge(in OutboundPacket packet, long writesBefore, UnstoredAnswer whenUnstored = UnstoredAnswer.Acknowledge)
    {
        if (!MustWaitForStore(writesBefore, out var durable))
        {
            _connection.Enqueue(packet);
            return;
        }

        AcknowledgeWhenStored(durable, packet, whenUnstored);
    }

    // Apart from Acknowledge: a lambda there would capture its parameters, and C# allocates the closure on entry to the
    // method, so every QoS 1/2 acknowledgement paid for it even when nothing waits for the store.
    private void AcknowledgeWhenStored(Persistence.DurableWriter durable, OutboundPacket deferred, UnstoredAnswer whenUnstored)
    {
        WhenStored(durable, committed =>
        {
            if (committed || whenUnstored == UnstoredAnswer.Acknowledge)
            {
                _connection.Enqueue(deferred);
            }
            else if (whenUnstored == UnstoredAnswer.Close)
            {
                _connection.RequestClose();
            }
            else
            {
                RefuseUnstoredPublish(deferred.AcknowledgementType, deferred.PacketIdentifier);
            }
        });
    }

    /// <summary>A PUBACK / PUBREC that waits for storage; when storing fails, 5.0 gets 0x80 and 3.1.1 a closed connection (it has no way to say "not stored").</summary>
    private void AcknowledgePublish(PacketType type, ushort packetIdentifier, ReasonCode reasonCode, long writesBefore) =>
        Acknowledge(OutboundPacket.ForAcknowledgement(type, packetIdentifier, reasonCode), writesBefore, UnstoredAnswer.RefusePublish);

    /// <summary>A packet that waits for storage and must not be answered when storing fails: the connection closes, and the client resends after reconnecting.</summary>
    private void AcknowledgeOrClose(in OutboundPacket packet, long writesBefore) => Acknowledge(packet, writesBefore, UnstoredAnswer.Close);

    private void RefuseUnstoredPublish(PacketType type, ushort packetIdentifier)
    {
        BrokerLog.PublishRefused(Logger, ClientId, "the message could not be stored");
        if (type == PacketType.PubRec)
        {
            // The exchange ends with the failure code: the identifier is free for the client's next message.
            _session?.Release(packetIdentifier);
        }

        RefuseUnstored(OutboundPacket.ForAcknowledgement(type, packetIdentifier, ReasonCode.UnspecifiedError));
    }

    /// <summary>
    /// A QoS 1/2 PUBLISH while the store cannot write: not routed, and answered with 0x97 Quota exceeded (5.0) or a
    /// closed connection (3.1.1), so the publisher keeps the message and tries again later.
    /// </summary>
    private bool RefuseWhileStoreFaulted(in PublishPacket publish)
    {
        BrokerLog.PublishRefused(Logger, ClientId, "the broker cannot store messages now");
        RefuseUnstored(OutboundPacket.ForAcknowledgement(publish.QoS == QualityOfService.AtLeastOnce ? PacketType.PubAck : PacketType.PubRec, publish.PacketIdentifier, ReasonCode.QuotaExceeded));
        return IsV5;
    }

    private void RefuseUnstored(OutboundPacket refusal)
    {
        if (IsV5)
        {
            _connection.Enqueue(refusal);
        }
        else
        {
            Close(CloseReason.ProtocolViolation);
        }
    }

    /// <summary>
    /// SUBACK and the retained messages that follow it, once the subscriptions are stored. When storing fails, the
    /// subscriptions are taken back and every filter is answered 0x80 (3.1.1 Failure, 5.0 Unspecified error).
    /// </summary>
    private void AcknowledgeSubscribe(ushort packetIdentifier, ReasonCode[] codes, List<byte[]> filters, Action sendSubAckAndRetained, long writesBefore)
    {
        if (!MustWaitForStore(writesBefore, out var durable))
        {
            sendSubAckAndRetained();
            return;
        }

        WhenStored(durable, committed =>
        {
            if (committed)
            {
                sendSubAckAndRetained();
                return;
            }

            var session = _session!;
            foreach (var filter in filters)
            {
                _engine.Tree.Unsubscribe(filter, session);
                session.RemoveSubscription(Encoding.UTF8.GetString(filter));
            }

            var failed = new ReasonCode[codes.Length];
            Array.Fill(failed, ReasonCode.UnspecifiedError);
            var writer = new ArrayBufferWriter<byte>(8 + codes.Length);
            SubAckPacket.Write(writer, new SubAckPacket { PacketIdentifier = packetIdentifier, ReasonCodes = failed }, ProtocolVersion);
            Send(writer.WrittenSpan.ToArray());
        });
    }
}
