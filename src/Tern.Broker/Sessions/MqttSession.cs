using Tern.Broker.Limits;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>
/// The server side of an MQTT Session: state that outlives a network connection — the subscriptions, the queue of
/// undelivered messages, QoS 1/2 messages in flight to the client, inbound QoS 2 packet identifiers awaiting PUBREL,
/// and (MQTT 5.0) the expiry interval and a will waiting for its delay.
/// </summary>
/// <remarks>
/// Thread-safety: publishers deliver from their own read loops while the owning connection acknowledges from its read
/// loop, so every mutation takes the session's lock. The lock is held only to move entries between queues and to
/// hand packets to the connection's writer queue, which never blocks. Timers and the pending will are owned by
/// <see cref="SessionRegistry"/> and touched only under its lock. A persistent session with a durable store records
/// each change of its state there as it happens (MqttSession.Durability.cs).
/// </remarks>
internal sealed partial class MqttSession
{
    /// <summary>A Session Expiry Interval meaning "never expires" (5.0 §3.1.2.11.2).</summary>
    public const uint NeverExpires = uint.MaxValue;

    // The session itself is the lock (it is internal, nobody else locks it): one 24-byte object less per session.
    private readonly object _gate;
    // Created on first use: a session that never queues, sends QoS 1/2 or receives QoS 2 holds none of them.
    private DeliveryQueue? _pending;
    private List<InflightDelivery>? _inflight;
    private HashSet<ushort>? _awaitingRelease;
    private readonly SessionLimits _limits;
    private ISessionConnection? _connection;
    private ushort _lastPacketIdentifier;
    private bool _queueFullLogged;

    public MqttSession(string clientId, uint expiryInterval, SessionLimits limits)
    {
        _gate = this;
        ClientId = clientId;
        ExpiryInterval = expiryInterval;
        _limits = limits;
    }

    /// <summary>The Client Identifier.</summary>
    public string ClientId { get; }

    /// <summary>
    /// Seconds the session outlives its connection: 0 for Clean Session 1 (3.1.1) or no Session Expiry Interval (5.0),
    /// <see cref="NeverExpires"/> for Clean Session 0 (3.1.1) or 0xFFFFFFFF (5.0). Set by each CONNECT, and by a 5.0
    /// DISCONNECT that changes it.
    /// </summary>
    public uint ExpiryInterval { get; set; }

    /// <summary>The session ends when its connection closes.</summary>
    public bool EndsWithConnection => ExpiryInterval == 0;

    /// <summary>The bounds this session works within.</summary>
    public SessionLimits Limits => _limits;

    /// <summary>The session's expiry timer while it is offline (owned by the registry).</summary>
    internal IDisposable? ExpiryTimer
    {
        get => _offline?.ExpiryTimer;
        set
        {
            Offline(value is not null)?.ExpiryTimer = value;
            DropOfflineIfEmpty();
        }
    }

    /// <summary>A will waiting for its Will Delay Interval after the connection was lost (owned by the registry).</summary>
    internal BrokerMessage? PendingWill
    {
        get => _offline?.PendingWill;
        set
        {
            Offline(value is not null)?.PendingWill = value;
            DropOfflineIfEmpty();
        }
    }

    /// <summary>The timer of <see cref="PendingWill"/> (owned by the registry).</summary>
    internal IDisposable? WillTimer
    {
        get => _offline?.WillTimer;
        set
        {
            Offline(value is not null)?.WillTimer = value;
            DropOfflineIfEmpty();
        }
    }

    // What only an offline session holds, in one object created when the first of it is set: a connected session (every
    // idle connection has one) keeps one reference instead of three. Touched under the registry's lock only.
    private OfflineState? _offline;

    private OfflineState? Offline(bool create) => create ? _offline ??= new OfflineState() : _offline;

    // A session back online (timers cancelled, will cleared) lets the object go.
    private void DropOfflineIfEmpty()
    {
        if (_offline is { ExpiryTimer: null, PendingWill: null, WillTimer: null })
        {
            _offline = null;
        }
    }

    private sealed class OfflineState
    {
        public IDisposable? ExpiryTimer;
        public BrokerMessage? PendingWill;
        public IDisposable? WillTimer;
    }

    /// <summary>The connection the session is attached to, or null while the client is offline.</summary>
    public ISessionConnection? Connection
    {
        get
        {
            lock (_gate)
            {
                return _connection;
            }
        }
    }

    /// <summary>Connected, with room in its queue: a shared subscription may pick this session.</summary>
    public bool IsAvailable
    {
        get
        {
            lock (_gate)
            {
                return _connection is not null && (_pending?.Count ?? 0) < _limits.MaxQueuedMessages;
            }
        }
    }

    /// <summary>Messages queued for later delivery.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _pending?.Count ?? 0;
            }
        }
    }

    /// <summary>QoS 1/2 messages sent and not yet acknowledged.</summary>
    public int InflightCount
    {
        get
        {
            lock (_gate)
            {
                return _inflight?.Count ?? 0;
            }
        }
    }

    /// <summary>
    /// Notes that the queue overflowed; true the first time in an episode, so the overflow is logged once and then
    /// only counted until the queue has drained to half its size.
    /// </summary>
    public bool MarkQueueFull()
    {
        lock (_gate)
        {
            if (_queueFullLogged)
            {
                return false;
            }

            _queueFullLogged = true;
            return true;
        }
    }

    /// <summary>
    /// Attaches a connection and resends, in their original order, what was in flight: PUBLISH with DUP set, or PUBREL
    /// for QoS 2 messages already acknowledged by PUBREC ([MQTT-4.4.0-1] in 3.1.1 and 5.0); then fills the window from
    /// the queue.
    /// </summary>
    public void Attach(ISessionConnection connection)
    {
        lock (_gate)
        {
            _connection = connection;
            foreach (var entry in _inflight ?? [])
            {
                if (entry.Released)
                {
                    SendPubRel(connection, entry.PacketIdentifier);
                }
                else
                {
                    SendPublish(connection, Encode(connection, entry.Delivery), entry.PacketIdentifier, duplicate: true, entry.QoS);
                }
            }

            FillWindow();
        }
    }

    /// <summary>
    /// Detaches <paramref name="connection"/> if it is still the attached one (a late close of a connection that was
    /// taken over changes nothing). What this session held for shared subscriptions and had not yet delivered — queued
    /// messages, and QoS 1 messages in flight — is handed back in <paramref name="orphans"/> for another member of the
    /// group; QoS 2 messages in flight stay, since they must be completed with this client ([MQTT-4.8.2-4] in 5.0).
    /// </summary>
    public bool Detach(ISessionConnection connection, out List<Delivery>? orphans)
    {
        orphans = null;
        lock (_gate)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return false;
            }

            _connection = null;

            // The session's references move with the orphans; the router releases them once they are redelivered.
            for (var node = _pending?.First; node is not null;)
            {
                var next = node.Next;
                if (node.Value.Group is not null)
                {
                    (orphans ??= []).Add(node.Value with { StoreId = 0 });
                    Forget(node.Value);
                    _pending!.Remove(node);
                }

                node = next;
            }

            for (int i = (_inflight?.Count ?? 0) - 1; i >= 0; i--)
            {
                var entry = _inflight![i];
                if (entry.Delivery.Group is not null && entry.QoS == QualityOfService.AtLeastOnce)
                {
                    (orphans ??= []).Insert(0, entry.Delivery with { StoreId = 0 });
                    Forget(entry.Delivery);
                    _inflight!.RemoveAt(i);
                }
            }

            return true;
        }
    }

    /// <summary>Hands a message to the session: sent now if the client is online and its window is open, queued otherwise.</summary>
    public DeliveryOutcome Deliver(in Delivery delivery)
    {
        DeliveryOutcome outcome;
        lock (_gate)
        {
            outcome = DeliverLocked(delivery);
        }

        if (outcome is not (DeliveryOutcome.Sent or DeliveryOutcome.Queued))
        {
            _limits.Dropped(this, outcome);
        }

        return outcome;
    }

    private DeliveryOutcome DeliverLocked(in Delivery delivery)
    {
        if (delivery.Message.IsExpired(_limits.Time.GetTimestamp()))
        {
            return DeliveryOutcome.DroppedExpired;
        }

        var connection = _connection;
        if (delivery.QoS == QualityOfService.AtMostOnce)
        {
            if (connection is null)
            {
                return DeliveryOutcome.DroppedOffline;
            }

            var encoded = Encode(connection, delivery);
            if (encoded.Length > connection.MaximumPacketSize)
            {
                encoded.Release();
                return DeliveryOutcome.DroppedTooLarge;
            }

            connection.SendPublish(encoded, 0, duplicate: false);
            return DeliveryOutcome.Sent;
        }

        // Order is kept: while anything waits in the queue, new messages queue behind it.
        if (connection is not null && (_pending?.Count ?? 0) == 0 && (_inflight?.Count ?? 0) < connection.SendWindow)
        {
            return Send(connection, delivery, isNew: true);
        }

        if (OverflowsQueuedBytes(delivery, out var bytesOutcome))
        {
            return bytesOutcome;
        }

        if ((_pending ??= new()).Count >= _limits.MaxQueuedMessages)
        {
            if (_limits.OverflowPolicy == QueueOverflowPolicy.DropNewest)
            {
                return DeliveryOutcome.DroppedQueueFull;
            }

            DropOldestQueued();
            Enqueue(delivery);
            return DeliveryOutcome.DroppedQueueFull;
        }

        Enqueue(delivery);
        return DeliveryOutcome.Queued;
    }

    /// <summary>PUBACK: the QoS 1 delivery is complete.</summary>
    public bool Acknowledge(ushort packetIdentifier) => Complete(packetIdentifier, QualityOfService.AtLeastOnce);

    /// <summary>PUBCOMP, or a 5.0 PUBREC with a failure code: the QoS 2 delivery is over.</summary>
    public bool Complete(ushort packetIdentifier) => Complete(packetIdentifier, QualityOfService.ExactlyOnce);

    /// <summary>PUBREC: the client has the QoS 2 message; from now on it is resent as PUBREL. Returns whether it was in flight.</summary>
    public bool Received(ushort packetIdentifier)
    {
        lock (_gate)
        {
            var inflight = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_inflight);
            for (int i = 0; i < inflight.Length; i++)
            {
                ref var entry = ref inflight[i];
                if (entry.PacketIdentifier == packetIdentifier && entry.QoS == QualityOfService.ExactlyOnce)
                {
                    if (!entry.Released && entry.StoreId != 0)
                    {
                        _durable?.Write(new MessageReleased(entry.StoreId));
                    }

                    entry.Released = true;
                    return true;
                }
            }

            return false;
        }
    }

    /// <summary>
    /// Inbound QoS 2 PUBLISH: true when the packet identifier is new and the message must be routed; false when it is a
    /// resend of one already received and not yet released, which must not be routed again (exactly once, [MQTT-4.3.3-2]).
    /// </summary>
    public bool TryBeginInboundExactlyOnce(ushort packetIdentifier)
    {
        lock (_gate)
        {
            if (!(_awaitingRelease ??= []).Add(packetIdentifier))
            {
                return false;
            }

            _durable?.Write(new ReleaseAwaited(ClientId, packetIdentifier));
            return true;
        }
    }

    /// <summary>How many inbound QoS 2 messages await PUBREL.</summary>
    public int AwaitingReleaseCount
    {
        get
        {
            lock (_gate)
            {
                return _awaitingRelease?.Count ?? 0;
            }
        }
    }

    /// <summary>PUBREL: forget the inbound packet identifier, so it may be used for a new message.</summary>
    public bool Release(ushort packetIdentifier)
    {
        lock (_gate)
        {
            if (_awaitingRelease is null || !_awaitingRelease.Remove(packetIdentifier))
            {
                return false;
            }

            _durable?.Write(new ReleaseCompleted(ClientId, packetIdentifier));
            return true;
        }
    }

    /// <summary>Drops everything: used when a session ends.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            foreach (var delivery in _pending ?? [])
            {
                ReleaseHeld(delivery);
            }

            foreach (var entry in _inflight ?? [])
            {
                ReleaseHeld(entry.Delivery);
            }

            _pending?.Clear();
            _inflight?.Clear();
            _awaitingRelease?.Clear();
            ClearSubscriptions();
        }
    }

    private bool Complete(ushort packetIdentifier, QualityOfService qos)
    {
        lock (_gate)
        {
            // A loop, not FindIndex with a lambda: the lambda would capture its arguments, one allocation per acknowledgement.
            int index = -1;
            for (int i = 0; i < (_inflight?.Count ?? 0) && index < 0; i++)
            {
                if (_inflight![i].PacketIdentifier == packetIdentifier && _inflight[i].QoS == qos)
                {
                    index = i;
                }
            }

            if (index < 0)
            {
                return false;
            }

            var delivery = _inflight![index].Delivery;
            Forget(delivery, acknowledged: true);
            _inflight.RemoveAt(index);
            ReleaseHeld(delivery);
            FillWindow();
            return true;
        }
    }

    // Caller holds the lock. Expired messages leave the queue here without being sent ([MQTT-3.3.2-5] in 5.0).
    private void FillWindow()
    {
        var connection = _connection;
        long now = _limits.Time.GetTimestamp();
        while (connection is not null && _pending?.First is { } first && (_inflight?.Count ?? 0) < connection.SendWindow)
        {
            var delivery = first.Value;
            _pending.RemoveFirst();
            var outcome = delivery.Message.IsExpired(now) ? DeliveryOutcome.DroppedExpired : Send(connection, delivery, isNew: false);
            if (outcome != DeliveryOutcome.Sent)
            {
                Forget(delivery);
                ReleaseHeld(delivery);
                _limits.Dropped(this, outcome);
            }
        }

        RequestPage(connection);
        if (_queueFullLogged && (_pending?.Count ?? 0) <= _limits.MaxQueuedMessages / 2)
        {
            _queueFullLogged = false;
        }
    }

    // Caller holds the lock. A new delivery is stored (once sent: with its packet identifier), a queued one was stored
    // when it was queued and now gets its packet identifier.
    private DeliveryOutcome Send(ISessionConnection connection, Delivery delivery, bool isNew)
    {
        var encoded = Encode(connection, delivery);
        if (encoded.Length > connection.MaximumPacketSize)
        {
            encoded.Release();
            return DeliveryOutcome.DroppedTooLarge;
        }

        ushort id = NextPacketIdentifier();
        if (isNew)
        {
            Hold(delivery);
            delivery = Store(delivery, id);
        }
        else if (delivery.StoreId != 0)
        {
            _durable?.Write(new MessageSent(delivery.StoreId, id));
        }

        (_inflight ??= []).Add(new InflightDelivery(id, delivery));
        SendPublish(connection, encoded, id, duplicate: false, delivery.QoS);
        return DeliveryOutcome.Sent;
    }

    // The encoding comes with one reference for the outbound item, which the connection's writer releases once it has
    // copied the bytes (or dropped the item unsent); a caller that does not send it releases it.
    private static EncodedPublish Encode(ISessionConnection connection, in Delivery delivery)
    {
        delivery.AssertLive();
        var encoded = connection.Encode(delivery);
        encoded.AddRef();
        return encoded;
    }

    // Caller holds the lock. The session's reference for a delivery it keeps (queued or in flight). A persistent
    // session's durable record holds a reference of its own (MqttSession.Durability.cs, Store).
    private static void Hold(in Delivery delivery) => delivery.Message.AddRef();

    // Caller holds the lock. The delivery left the session: its reference goes.
    private static void ReleaseHeld(in Delivery delivery)
    {
        delivery.AssertLive();
        delivery.Message.Release();
    }

    // Caller holds the lock. A loop, not List.Exists with a lambda, which would allocate a closure per message sent.
    private bool InFlight(ushort packetIdentifier)
    {
        if (_inflight is null)
        {
            return false;
        }

        foreach (var entry in _inflight)
        {
            if (entry.PacketIdentifier == packetIdentifier)
            {
                return true;
            }
        }

        return false;
    }

    // Caller holds the lock. Packet identifiers in use are those in flight ([MQTT-2.3.1-2]); the window is far below 65,535.
    private ushort NextPacketIdentifier()
    {
        while (true)
        {
            _lastPacketIdentifier = (ushort)(_lastPacketIdentifier == ushort.MaxValue ? 1 : _lastPacketIdentifier + 1);
            ushort candidate = _lastPacketIdentifier;
            if (!InFlight(candidate))
            {
                return candidate;
            }
        }
    }
}
