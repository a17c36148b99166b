using Tern.Broker.Messages;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>
/// The server side of an MQTT Session: state that outlives a network connection when Clean Session is 0 — the
/// subscriptions, the queue of undelivered messages, QoS 1/2 messages in flight to the client, and inbound QoS 2
/// packet identifiers awaiting PUBREL.
/// </summary>
/// <remarks>
/// Thread-safety: publishers deliver from their own read loops while the owning connection acknowledges from its read
/// loop, so every mutation takes the session's lock. The lock is held only to move entries between queues and to
/// hand packets to the connection's writer queue, which never blocks.
/// </remarks>
internal sealed class MqttSession
{
    private readonly object _gate = new();
    private readonly Queue<QueuedDelivery> _pending = new();
    private readonly List<InflightDelivery> _inflight = [];
    private readonly HashSet<ushort> _awaitingRelease = [];
    private readonly Dictionary<string, SubscriptionGrant> _subscriptions = new(StringComparer.Ordinal);
    private readonly SessionLimits _limits;
    private ISessionConnection? _connection;
    private ushort _lastPacketIdentifier;
    private bool _queueFullLogged;

    public MqttSession(string clientId, bool endsWithConnection, SessionLimits limits)
    {
        ClientId = clientId;
        EndsWithConnection = endsWithConnection;
        _limits = limits;
    }

    /// <summary>The Client Identifier.</summary>
    public string ClientId { get; }

    /// <summary>The bounds this session works within.</summary>
    public SessionLimits Limits => _limits;

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
    /// The session ends when its connection closes: Clean Session 1 in 3.1/3.1.1, a Session Expiry Interval of 0 in
    /// 5.0. Set by each CONNECT that attaches to the session.
    /// </summary>
    public bool EndsWithConnection { get; set; }

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

    /// <summary>Messages queued for later delivery.</summary>
    public int QueuedCount
    {
        get
        {
            lock (_gate)
            {
                return _pending.Count;
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
                return _inflight.Count;
            }
        }
    }

    /// <summary>
    /// Attaches a connection and resends, in their original order, what was in flight: PUBLISH with DUP set, or PUBREL
    /// for QoS 2 messages already acknowledged by PUBREC ([MQTT-4.4.0-1] in 3.1.1, [MQTT-4.4.0-1] in 5.0); then fills the
    /// window from the queue.
    /// </summary>
    public void Attach(ISessionConnection connection)
    {
        lock (_gate)
        {
            _connection = connection;
            foreach (var entry in _inflight)
            {
                if (entry.Released)
                {
                    connection.SendPubRel(entry.PacketIdentifier);
                }
                else
                {
                    connection.SendPublish(entry.Message.GetEncoding(connection.ProtocolVersion, entry.QoS, entry.Retain), entry.PacketIdentifier, duplicate: true);
                }
            }

            FillWindow();
        }
    }

    /// <summary>Detaches <paramref name="connection"/> if it is still the attached one. A late close of a connection that was taken over changes nothing.</summary>
    public bool Detach(ISessionConnection connection)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_connection, connection))
            {
                return false;
            }

            _connection = null;
            return true;
        }
    }

    /// <summary>Hands a message to the session: sent now if the client is online and its window is open, queued otherwise.</summary>
    public DeliveryOutcome Deliver(BrokerMessage message, QualityOfService qos, bool retain)
    {
        lock (_gate)
        {
            var connection = _connection;
            if (qos == QualityOfService.AtMostOnce)
            {
                if (connection is null)
                {
                    return DeliveryOutcome.DroppedOffline;
                }

                connection.SendPublish(message.GetEncoding(connection.ProtocolVersion, qos, retain), 0, duplicate: false);
                return DeliveryOutcome.Sent;
            }

            // Order is kept: while anything waits in the queue, new messages queue behind it.
            if (connection is not null && _pending.Count == 0 && _inflight.Count < connection.SendWindow)
            {
                Send(connection, new QueuedDelivery(message, qos, retain));
                return DeliveryOutcome.Sent;
            }

            if (_pending.Count >= _limits.MaxQueuedMessages)
            {
                if (_limits.OverflowPolicy == QueueOverflowPolicy.DropNewest)
                {
                    return DeliveryOutcome.DroppedQueueFull;
                }

                _pending.Dequeue();
                _pending.Enqueue(new QueuedDelivery(message, qos, retain));
                return DeliveryOutcome.DroppedQueueFull;
            }

            _pending.Enqueue(new QueuedDelivery(message, qos, retain));
            return DeliveryOutcome.Queued;
        }
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
            foreach (var entry in _inflight)
            {
                if (entry.PacketIdentifier == packetIdentifier && entry.QoS == QualityOfService.ExactlyOnce)
                {
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
            return _awaitingRelease.Add(packetIdentifier);
        }
    }

    /// <summary>How many inbound QoS 2 messages await PUBREL.</summary>
    public int AwaitingReleaseCount
    {
        get
        {
            lock (_gate)
            {
                return _awaitingRelease.Count;
            }
        }
    }

    /// <summary>PUBREL: forget the inbound packet identifier, so it may be used for a new message.</summary>
    public bool Release(ushort packetIdentifier)
    {
        lock (_gate)
        {
            return _awaitingRelease.Remove(packetIdentifier);
        }
    }

    /// <summary>Records a subscription; returns true when it replaced one with the same filter.</summary>
    public bool SetSubscription(string topicFilter, SubscriptionGrant grant)
    {
        lock (_gate)
        {
            bool replaced = _subscriptions.ContainsKey(topicFilter);
            _subscriptions[topicFilter] = grant;
            return replaced;
        }
    }

    /// <summary>Forgets a subscription; returns whether it existed.</summary>
    public bool RemoveSubscription(string topicFilter)
    {
        lock (_gate)
        {
            return _subscriptions.Remove(topicFilter);
        }
    }

    /// <summary>A snapshot of the subscriptions.</summary>
    public KeyValuePair<string, SubscriptionGrant>[] GetSubscriptions()
    {
        lock (_gate)
        {
            return [.. _subscriptions];
        }
    }

    /// <summary>Drops everything: used when a session ends.</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _pending.Clear();
            _inflight.Clear();
            _awaitingRelease.Clear();
            _subscriptions.Clear();
        }
    }

    private bool Complete(ushort packetIdentifier, QualityOfService qos)
    {
        lock (_gate)
        {
            int index = _inflight.FindIndex(e => e.PacketIdentifier == packetIdentifier && e.QoS == qos);
            if (index < 0)
            {
                return false;
            }

            _inflight.RemoveAt(index);
            FillWindow();
            return true;
        }
    }

    // Caller holds the lock.
    private void FillWindow()
    {
        var connection = _connection;
        while (connection is not null && _pending.Count > 0 && _inflight.Count < connection.SendWindow)
        {
            Send(connection, _pending.Dequeue());
        }

        if (_queueFullLogged && _pending.Count <= _limits.MaxQueuedMessages / 2)
        {
            _queueFullLogged = false;
        }
    }

    // Caller holds the lock.
    private void Send(ISessionConnection connection, in QueuedDelivery delivery)
    {
        ushort id = NextPacketIdentifier();
        _inflight.Add(new InflightDelivery(id, delivery.Message, delivery.QoS, delivery.Retain));
        connection.SendPublish(delivery.Message.GetEncoding(connection.ProtocolVersion, delivery.QoS, delivery.Retain), id, duplicate: false);
    }

    // Caller holds the lock. Packet identifiers in use are those in flight ([MQTT-2.3.1-2]); the window is far below 65,535.
    private ushort NextPacketIdentifier()
    {
        while (true)
        {
            _lastPacketIdentifier = (ushort)(_lastPacketIdentifier == ushort.MaxValue ? 1 : _lastPacketIdentifier + 1);
            ushort candidate = _lastPacketIdentifier;
            if (!_inflight.Exists(e => e.PacketIdentifier == candidate))
            {
                return candidate;
            }
        }
    }
}
