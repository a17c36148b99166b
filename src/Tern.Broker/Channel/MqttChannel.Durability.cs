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
    // The answers waiting for the store, in the order of their packets; created by the read loop on the first one.
    private DeferredAnswers? _answers;

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
    /// answer still waits (then this one goes after it, [MQTT-4.6.0-2]).
    /// </summary>
    private bool MustWaitForStore(long writesBefore, out DurableWriter durable, out bool wrote)
    {
        durable = _engine.Durable!;
        wrote = DurableWriter.ThreadWrites != writesBefore;
        return _engine.Durable is { DefersAcknowledgements: true } && (wrote || _answers is { IsIdle: false });
    }

    /// <summary>
    /// Queues <paramref name="packet"/> (or <paramref name="action"/>) behind the answers that wait, to run once this
    /// packet's writes are committed and synced (<paramref name="wrote"/>), or as soon as those before it ran (nothing
    /// written). A <paramref name="ticket"/> lets the answer go earlier: when every copy it counts was acknowledged.
    /// </summary>
    private void WhenStored(DurableWriter durable, bool wrote, in OutboundPacket packet, UnstoredAnswer whenUnstored, Action<bool>? action = null, DurableTicket? ticket = null)
    {
        var answers = _answers ??= new DeferredAnswers(this);
        if (!wrote)
        {
            answers.Add(packet, whenUnstored, action, ready: true);
            answers.Drain();
            return;
        }

        long token = answers.Add(packet, whenUnstored, action, ready: false);
        durable.AfterCommit(committed =>
        {
            ticket?.Retire();
            BeginAnswering();
            answers.Answer(token, committed);
        });
        ticket?.Arm(answers, token);
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

    /// <summary>Runs one answer taken from <see cref="DeferredAnswers"/>: its packet, or what replaces it when its writes failed.</summary>
    private void RunAnswer(in OutboundPacket packet, UnstoredAnswer whenUnstored, Action<bool>? action, bool stored)
    {
        if (action is not null)
        {
            action(stored);
        }
        else if (stored || whenUnstored == UnstoredAnswer.Acknowledge)
        {
            _connection.Enqueue(packet);
        }
        else if (whenUnstored == UnstoredAnswer.Close)
        {
            _connection.RequestClose();
        }
        else
        {
            RefuseUnstoredPublish(packet.AcknowledgementType, packet.PacketIdentifier);
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
    private void Acknowledge(in OutboundPacket packet, long writesBefore, UnstoredAnswer whenUnstored = UnstoredAnswer.Acknowledge, DurableTicket? ticket = null)
    {
        if (!MustWaitForStore(writesBefore, out var durable, out bool wrote))
        {
            ticket?.Retire();
            _connection.Enqueue(packet);
            return;
        }

        WhenStored(durable, wrote, packet, whenUnstored, ticket: ticket);
    }

    /// <summary>A PUBACK / PUBREC that waits for storage; when storing fails, 5.0 gets 0x80 and 3.1.1 a closed connection (it has no way to say "not stored").</summary>
    private void AcknowledgePublish(PacketType type, ushort packetIdentifier, ReasonCode reasonCode, long writesBefore, DurableTicket? ticket = null) =>
        Acknowledge(OutboundPacket.ForAcknowledgement(type, packetIdentifier, reasonCode), writesBefore, UnstoredAnswer.RefusePublish, ticket);

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
        if (!MustWaitForStore(writesBefore, out var durable, out bool wrote))
        {
            sendSubAckAndRetained();
            return;
        }

        WhenStored(durable, wrote, default, UnstoredAnswer.Acknowledge, committed =>
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

    /// <summary>
    /// The answers of one connection that wait for the store, in the order of their packets ([MQTT-4.6.0-2]): each is
    /// marked ready by the commit's callback (synced, or failed), or earlier by a <see cref="DurableTicket"/> when every
    /// copy of its publish was acknowledged, and the ready ones at the head leave in order. Whichever thread marks one
    /// drains the head; one drains at a time, so the order holds whatever the threads.
    /// </summary>
    private sealed class DeferredAnswers(MqttChannel channel) : IDeliveredAnswer, IThreadPoolWorkItem
    {
        private const byte Waiting = 0;
        private const byte Stored = 1;
        private const byte Unstored = 2;

        private readonly Lock _gate = new();
        private Entry[] _ring = new Entry[8];
        private int _head;
        private int _count;

        // The token of the entry at the head; tokens are consecutive.
        private long _headToken = 1;
        private bool _draining;
        private bool _scheduled;

        /// <summary>Nothing waits and nothing is being sent: a new answer may go straight out.</summary>
        public bool IsIdle
        {
            get
            {
                lock (_gate)
                {
                    return _count == 0 && !_draining;
                }
            }
        }

        /// <summary>Adds an answer at the tail; returns its token. Called by the read loop only.</summary>
        public long Add(in OutboundPacket packet, UnstoredAnswer whenUnstored, Action<bool>? action, bool ready)
        {
            lock (_gate)
            {
                if (_count == _ring.Length)
                {
                    var larger = new Entry[_ring.Length * 2];
                    for (int i = 0; i < _count; i++)
                    {
                        larger[i] = _ring[(_head + i) % _ring.Length];
                    }

                    _ring = larger;
                    _head = 0;
                }

                _ring[(_head + _count) % _ring.Length] = new Entry(packet, whenUnstored, action, ready ? Stored : Waiting);
                _count++;
                return _headToken + _count - 1;
            }
        }

        /// <summary>The answer <paramref name="token"/> may go (its writes are synced, or failed: <paramref name="stored"/>); the first word counts.</summary>
        public void Answer(long token, bool stored)
        {
            lock (_gate)
            {
                if (!TrySettle(token, stored ? Stored : Unstored, out _))
                {
                    return;
                }
            }

            Drain();
        }

        /// <inheritdoc/>
        /// <remarks>
        /// Never sends on the calling thread: that is a subscriber's read loop, inside its session's lock, and one send
        /// per PUBACK would cost more than the store saves. The drain runs on the thread pool instead, queued locally, so
        /// it starts once the read loop's batch is done and sends every answer that became ready meanwhile in one write.
        /// </remarks>
        public void Delivered(long token)
        {
            lock (_gate)
            {
                if (!TrySettle(token, Stored, out long index) || index != 0 || _draining || _scheduled)
                {
                    // Gone or settled already: nothing to do. Not at the head: the answer that is sends it when it goes.
                    // Being drained or about to be: that drain sends it.
                    return;
                }

                _scheduled = true;
            }

            ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: true);
        }

        /// <summary>Under the gate: settles the waiting answer <paramref name="token"/> (false when it is gone or already settled; the first word counts).</summary>
        private bool TrySettle(long token, byte state, out long index)
        {
            index = token - _headToken;
            if (index < 0 || index >= _count)
            {
                return false;
            }

            ref var entry = ref _ring[(_head + (int)index) % _ring.Length];
            if (entry.State != Waiting)
            {
                return false;
            }

            entry.State = state;
            return true;
        }

        /// <summary>Runs the ready answers at the head, in order, unless another thread already does.</summary>
        public void Drain()
        {
            lock (_gate)
            {
                if (_draining)
                {
                    return;
                }

                _draining = true;
            }

            try
            {
                while (true)
                {
                    Entry entry;
                    lock (_gate)
                    {
                        if (_count == 0 || _ring[_head].State == Waiting)
                        {
                            _draining = false;
                            return;
                        }

                        entry = _ring[_head];
                        _ring[_head] = default;
                        _head = (_head + 1) % _ring.Length;
                        _count--;
                        _headToken++;
                    }

                    channel.RunAnswer(entry.Packet, entry.WhenUnstored, entry.Action, entry.State == Stored);
                }
            }
            catch
            {
                lock (_gate)
                {
                    _draining = false;
                }

                throw;
            }
        }

        void IThreadPoolWorkItem.Execute()
        {
            lock (_gate)
            {
                _scheduled = false;
            }

            bool holdsWriter = channel._connection.BeginBatch();
            try
            {
                Drain();
            }
            catch (Exception ex)
            {
                PersistenceLog.CallbackFailed(channel.Logger, ex);
            }
            finally
            {
                if (holdsWriter)
                {
                    channel._connection.EndBatch();
                }
            }
        }

        private struct Entry(OutboundPacket packet, UnstoredAnswer whenUnstored, Action<bool>? action, byte state)
        {
            public readonly OutboundPacket Packet = packet;
            public readonly UnstoredAnswer WhenUnstored = whenUnstored;
            public readonly Action<bool>? Action = action;
            public byte State = state;
        }
    }
}
