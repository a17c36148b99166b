using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tern.Broker.Channel;
using Tern.Broker.Diagnostics;
using Tern.Broker.Limits;
using Tern.Broker.Persistence;
using Tern.Broker.Retained;
using Tern.Broker.Routing;
using Tern.Broker.Sessions;

namespace Tern.Broker.Hosting;

/// <summary>
/// The broker itself, independent of how it is hosted: sessions, the subscription tree, retained messages, the
/// router, the live channels, and the heartbeat that enforces connect timeouts and keep alive. One per broker; the
/// Kestrel connection handler creates a connection per socket and hands it this engine.
/// </summary>
internal sealed partial class BrokerEngine : IDisposable
{
    private readonly ConcurrentDictionary<MqttChannel, byte> _channels = new();
    private readonly ITimer _heartbeat;
    private readonly TaskCompletionSource _allClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _shuttingDown;

    public BrokerEngine(IOptions<BrokerOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider, BrokerMetrics metrics, IEnumerable<IEnhancedAuthenticationMechanism> authenticationMechanisms, Security.BrokerSecurity security, IDurableStoreFactory? durableStoreFactory = null)
    {
        var mechanisms = authenticationMechanisms.ToList();
        Security = security;
        if (options.Value.Security.PasswordFile is not null)
        {
            // A bad file failed the start in BrokerSecurity with its path and line; SCRAM reads the file in force, so a reload changes it too.
            var store = new Security.ReloadingScramCredentialStore(() => security.Passwords);
            mechanisms.Add(new ScramMechanism(ScramHash.Sha256, store));
            mechanisms.Add(new ScramMechanism(ScramHash.Sha512, store));
        }

        AuthenticationMechanisms = mechanisms;
        Options = options.Value;
        var problems = Options.Validate();
        if (problems.Count > 0)
        {
            throw new OptionsValidationException(nameof(BrokerOptions), typeof(BrokerOptions), problems);
        }

        Logger = loggerFactory.CreateLogger("Tern.Broker");
        TimeProvider = timeProvider;
        Metrics = metrics;
        StartedAt = timeProvider.GetTimestamp();
        Tree = new SubscriptionTree<MqttSession>(new SessionSharedSubscriptionSelector(Options.SharedSubscriptionStrategy));
        var durableState = OpenDurableStore(durableStoreFactory);
        Retained = new RetainedMessageStore(Durable);
        // A durable writer holds messages until their batch is committed and returns them a batch at a time: a larger free
        // list keeps them for the next publishes instead of leaving most to the GC (docs/persistence.md).
        Router = new MessageRouter(Tree, Retained, timeProvider) { Authorization = security.Authorization, Pool = new Messages.MessagePool(Durable is null ? Messages.MessagePool.DefaultCapacity : DurableWriter.MessagePoolCapacity) };
        Limits = new BrokerLimits(Options, timeProvider, metrics, Logger);
        AuthFailures = new Security.AuthFailureThrottle(Options.Security, timeProvider);
        var limits = new SessionLimits(Options.MaxQueuedMessages, Options.QueueOverflowPolicy, timeProvider, OnDropped) { MaxQueuedBytes = Options.MaxQueuedBytes };
        Sessions = new SessionRegistry(new InMemorySessionStore(), Tree, limits, PublishWill, Router.RedeliverShared, session => BrokerLog.SessionEnded(Logger, session.ClientId), Durable);
        if (durableState is not null)
        {
            RestoreDurableState(durableState);
        }
        _heartbeat = timeProvider.CreateTimer(_ => OnHeartbeat(), null, Options.HeartbeatInterval, Options.HeartbeatInterval);
        metrics.Observe(this);
    }

    public BrokerOptions Options { get; }

    /// <summary>Authentication, authorization and anonymous access (docs/security.md).</summary>
    public Security.BrokerSecurity Security { get; }

    /// <summary>The enhanced authentication mechanisms offered to MQTT 5.0 clients (registered as <see cref="IEnhancedAuthenticationMechanism"/> services).</summary>
    public IReadOnlyList<IEnhancedAuthenticationMechanism> AuthenticationMechanisms { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public BrokerMetrics Metrics { get; }

    public SubscriptionTree<MqttSession> Tree { get; }

    public IRetainedMessageStore Retained { get; }

    public SessionRegistry Sessions { get; }

    public MessageRouter Router { get; }

    /// <summary>Connection admission, the memory guard and the count of every limit hit.</summary>
    public BrokerLimits Limits { get; }

    /// <summary>Bans addresses that keep failing password authentication (RELIABILITY E13).</summary>
    public Security.AuthFailureThrottle AuthFailures { get; }

    /// <summary>The writer of durable state; null in memory mode.</summary>
    public DurableWriter? Durable { get; private set; }

    /// <summary>When the engine started, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long StartedAt { get; }

    /// <summary>True once shutdown began: new connections are refused.</summary>
    public bool IsShuttingDown => Volatile.Read(ref _shuttingDown) != 0;

    /// <summary>Live channels, for the heartbeat and shutdown.</summary>
    public int ConnectionCount => _channels.Count;

    /// <summary>The live channels (a snapshot-free view: enumerate, do not hold).</summary>
    public IEnumerable<MqttChannel> Channels => _channels.Keys;

    public void Register(MqttChannel channel) => _channels.TryAdd(channel, 0);

    public void Unregister(MqttChannel channel)
    {
        _channels.TryRemove(channel, out _);
        if (IsShuttingDown && _channels.IsEmpty)
        {
            _allClosed.TrySetResult();
        }
    }

    /// <summary>A snapshot of the live channels, CONNECTed or not (for the admin API).</summary>
    public IReadOnlyList<MqttChannel> GetChannels() => [.. _channels.Keys];

    /// <summary>The connected channel of <paramref name="clientId"/>, or null (for the admin API).</summary>
    public MqttChannel? FindConnectedChannel(string clientId) =>
        _channels.Keys.FirstOrDefault(c => c.IsConnected && string.Equals(c.ClientId, clientId, StringComparison.Ordinal));

    /// <summary>Adds up one number over every session (queued, in flight): for gauges and $SYS, not for hot paths.</summary>
    public long SumSessions(Func<MqttSession, int> count)
    {
        long sum = 0;
        foreach (var session in Sessions.GetAll())
        {
            sum += count(session);
        }

        return sum;
    }

    /// <summary>Stops accepting CONNECTs and closes every connection, MQTT 5.0 clients with DISCONNECT 0x8B.</summary>
    public void BeginShutdown()
    {
        if (Interlocked.Exchange(ref _shuttingDown, 1) != 0)
        {
            return;
        }

        BrokerLog.ShuttingDown(Logger, _channels.Count);
        foreach (var channel in _channels.Keys)
        {
            channel.CloseForShutdown();
        }

        if (_channels.IsEmpty)
        {
            _allClosed.TrySetResult();
        }
    }

    /// <summary>Waits until every connection has ended after <see cref="BeginShutdown"/>, or the timeout passes (wall-clock time: shutdown is operational, not protocol, timing).</summary>
    public async Task WaitForConnectionsAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await _allClosed.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Connections still open after the timeout are aborted by Kestrel's own shutdown.
        }
    }

    private void PublishWill(Messages.BrokerMessage will, MqttSession? session)
    {
        // The will was authorized at CONNECT; a reload since may have revoked the right (RELIABILITY E7).
        if (Security.Authorization is { } authorization && !authorization.CanPublish(session?.Client, will.Topic))
        {
            BrokerLog.WillDenied(Logger, will.PublisherClientId ?? "?", session?.Client?.UserName ?? "(anonymous)", System.Text.Encoding.UTF8.GetString(will.Topic), "the ACL no longer allows it");
            return;
        }

        // A will routed to several persistent sessions is stored for all of them or, after a crash, for none.
        Persistence.DurableWriter.BeginGroup();
        try
        {
            Router.Route(will, session);
        }
        finally
        {
            Persistence.DurableWriter.EndGroup();
        }

        BrokerLog.WillPublished(Logger, will.PublisherClientId ?? "?", System.Text.Encoding.UTF8.GetString(will.Topic));
    }

    private void OnDropped(MqttSession session, DeliveryOutcome outcome)
    {
        switch (outcome)
        {
            case DeliveryOutcome.DroppedQueueFull:
                Metrics.MessageDropped("queue_full");
                if (session.MarkQueueFull())
                {
                    BrokerLog.QueueFull(Logger, session.ClientId, Options.MaxQueuedMessages, Options.QueueOverflowPolicy.ToString());
                }

                break;
            case DeliveryOutcome.DroppedOffline:
                Metrics.MessageDropped("offline_qos0");
                break;
            case DeliveryOutcome.DroppedTooLarge:
                Metrics.MessageDropped("too_large");
                BrokerLog.MessageTooLarge(Logger, session.ClientId);
                break;
            case DeliveryOutcome.DroppedExpired:
                Metrics.MessageDropped("expired");
                break;
            case DeliveryOutcome.DroppedQueueBytesFull:
                Metrics.MessageDropped("queue_bytes_full");
                Limits.Hit(LimitNames.QueuedBytes);
                if (session.MarkQueueBytesFull())
                {
                    BrokerLog.QueuedBytesExceeded(Logger, session.ClientId, Options.MaxQueuedBytes, Options.QueueOverflowPolicy.ToString());
                }

                break;
        }
    }

    private void OnHeartbeat()
    {
        long now = TimeProvider.GetTimestamp();
        // The dictionary's own enumerator, not Keys: Keys takes every lock and copies all keys into a new list, four
        // times a second, which at 10,000 idle connections is an 80 KB allocation a tick and stalls connects meanwhile.
        foreach (var (channel, _) in _channels)
        {
            channel.CheckTimeouts(now);
            channel.CheckSlowConsumer(now);
        }

        Limits.OnHeartbeat();
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        Durable?.Dispose();
    }
}
