using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace Tern.Broker.Diagnostics;

/// <summary>
/// The broker's counters, on the <see cref="Meter"/> named <c>Tern.Broker</c>, and the same numbers as plain fields for
/// $SYS. Counter names say what operators ask: "messages dropped", "clients connected".
/// </summary>
internal sealed class BrokerMetrics : IDisposable
{
    /// <summary>The meter name exporters subscribe to.</summary>
    public const string MeterName = "Tern.Broker";

    private readonly Meter _meter;
    private readonly Counter<long> _messagesDropped;
    private readonly Counter<long> _protocolViolations;
    private readonly Counter<long> _connectionsAccepted;
    private readonly Counter<long> _authFailures;
    private readonly Counter<long> _aclDenials;
    private readonly Counter<long> _limitHits;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, StrongBox<long>> _limitHitCounts = new(StringComparer.Ordinal);
    private long _clientsConnected;
    private readonly StripedCounter _received = new();
    private readonly StripedCounter _sent = new();
    private long _dropped;
    private readonly StripedCounter _bytesIn = new();
    private readonly StripedCounter _bytesOut = new();
    private readonly StripedCounter _packetsIn = new();
    private readonly StripedCounter _packetsOut = new();
    private long _accepted;
    private long _clientsMaximum;

    public BrokerMetrics(IMeterFactory? meterFactory = null)
    {
        _meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        // Counted per message and per read on every core: observed from striped counters when an exporter collects,
        // so the hot path never touches a shared cache line or an exporter's aggregation.
        _meter.CreateObservableCounter("tern.messages.received", () => _received.Value, "{message}", "PUBLISH packets received from clients.");
        _meter.CreateObservableCounter("tern.messages.sent", () => _sent.Value, "{message}", "PUBLISH packets sent to clients.");
        _messagesDropped = _meter.CreateCounter<long>("tern.messages.dropped", "{message}", "Messages not delivered to a session, by reason.");
        _protocolViolations = _meter.CreateCounter<long>("tern.protocol.violations", "{connection}", "Connections closed for a protocol violation, by reason code.");
        _connectionsAccepted = _meter.CreateCounter<long>("tern.connections.accepted", "{connection}", "CONNECTs accepted.");
        _authFailures = _meter.CreateCounter<long>("tern.auth.failures", "{connection}", "CONNECTs refused by authentication, by reason code.");
        _aclDenials = _meter.CreateCounter<long>("tern.acl.denials", "{request}", "Publishes, subscriptions, deliveries and wills the authorizer denied, by action.");
        _limitHits = _meter.CreateCounter<long>("tern.limits.hits", "{hit}", "Times a configured limit refused or dropped something, by limit.");
        _meter.CreateObservableUpDownCounter("tern.clients.connected", () => Volatile.Read(ref _clientsConnected), "{client}", "Clients connected now.");
        _meter.CreateObservableCounter("tern.bytes.received", () => _bytesIn.Value, "By", "Bytes of MQTT packets read from clients.");
        _meter.CreateObservableCounter("tern.bytes.sent", () => _bytesOut.Value, "By", "Bytes of MQTT packets written to clients.");
        _meter.CreateObservableCounter("tern.packets.received", () => _packetsIn.Value, "{packet}", "MQTT packets of every type received from clients.");
        _meter.CreateObservableCounter("tern.packets.sent", () => _packetsOut.Value, "{packet}", "MQTT packets of every type sent to clients.");
    }

    public long ClientsConnected => Volatile.Read(ref _clientsConnected);

    public long MessagesReceived => _received.Value;

    public long MessagesSent => _sent.Value;

    public long MessagesDropped => Volatile.Read(ref _dropped);

    public void ClientConnected()
    {
        long now = Interlocked.Increment(ref _clientsConnected);
        Interlocked.Increment(ref _accepted);
        _connectionsAccepted.Add(1);
        RaiseMaximum(now);
    }

    public void ClientDisconnected() => Interlocked.Decrement(ref _clientsConnected);

    public void MessageReceived() => _received.Increment();

    public void MessageSent() => _sent.Increment();

    public void MessageDropped(string reason)
    {
        Interlocked.Increment(ref _dropped);
        _messagesDropped.Add(1, new KeyValuePair<string, object?>("reason", reason));
    }

    public void ProtocolViolation(byte reasonCode) =>
        _protocolViolations.Add(1, new KeyValuePair<string, object?>("reason_code", reasonCode));

    public void AuthenticationFailed(byte reasonCode) =>
        _authFailures.Add(1, new KeyValuePair<string, object?>("reason_code", reasonCode));

    public void AclDenied(string action) =>
        _aclDenials.Add(1, new KeyValuePair<string, object?>("action", action));

    /// <summary>Counts one hit of a limit (the <c>limit</c> tag: <c>connections</c>, <c>topic_levels</c>, <c>memory</c>, ...).</summary>
    public void LimitHit(string limit)
    {
        Interlocked.Increment(ref _limitHitCounts.GetOrAdd(limit, static _ => new StrongBox<long>()).Value);
        _limitHits.Add(1, new KeyValuePair<string, object?>("limit", limit));
    }

    /// <summary>Hits of <paramref name="limit"/> since start.</summary>
    public long LimitHits(string limit) => _limitHitCounts.TryGetValue(limit, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>The most clients connected at once since start.</summary>
    public long ClientsMaximum => Volatile.Read(ref _clientsMaximum);

    /// <summary>CONNECTs accepted since start.</summary>
    public long ConnectionsAccepted => Volatile.Read(ref _accepted);

    public long BytesReceived => _bytesIn.Value;

    public long BytesSent => _bytesOut.Value;

    public long PacketsReceived => _packetsIn.Value;

    public long PacketsSent => _packetsOut.Value;

    /// <summary>Counts bytes read from one connection (once per read, not per packet).</summary>
    public void Received(long bytes) => _bytesIn.Add(bytes);

    /// <summary>Counts bytes and packets written to one connection (once per flushed batch).</summary>
    public void Sent(long bytes, int packets)
    {
        _bytesOut.Add(bytes);
        _packetsOut.Add(packets);
    }

    /// <summary>Counts packets of any type received by one read (added once per read, not per packet).</summary>
    public void PacketsReceivedInRead(int packets)
    {
        if (packets > 0)
        {
            _packetsIn.Add(packets);
        }
    }

    /// <summary>
    /// Adds the gauges read from the engine's state when an exporter collects (sessions, subscriptions, retained,
    /// queued and in-flight messages, open connections): nothing is counted on the hot path for them.
    /// </summary>
    public void Observe(Hosting.BrokerEngine engine)
    {
        _meter.CreateObservableGauge("tern.connections.open", () => (long)engine.ConnectionCount, "{connection}", "Network connections open now, CONNECTed or not.");
        _meter.CreateObservableGauge("tern.sessions", () => (long)engine.Sessions.Count, "{session}", "Sessions stored, connected or not.");
        _meter.CreateObservableGauge("tern.subscriptions", () => (long)engine.Tree.Count, "{subscription}", "Subscriptions in the subscription tree.");
        _meter.CreateObservableGauge("tern.retained.messages", () => (long)engine.Retained.Count, "{message}", "Topics holding a retained message.");
        _meter.CreateObservableGauge("tern.messages.queued", () => engine.SumSessions(static s => s.QueuedCount), "{message}", "Messages queued in sessions for later delivery.");
        _meter.CreateObservableGauge("tern.messages.inflight", () => engine.SumSessions(static s => s.InflightCount), "{message}", "QoS 1/2 messages sent and not yet acknowledged.");
    }

    private void RaiseMaximum(long value)
    {
        long seen = Volatile.Read(ref _clientsMaximum);
        while (value > seen)
        {
            long previous = Interlocked.CompareExchange(ref _clientsMaximum, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    public void Dispose() => _meter.Dispose();
}
