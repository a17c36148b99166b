using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Tern.Broker.Channel;
using Tern.Broker.Diagnostics;
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

    public BrokerEngine(IOptions<BrokerOptions> options, ILoggerFactory loggerFactory, TimeProvider timeProvider, BrokerMetrics metrics, IEnumerable<IEnhancedAuthenticationMechanism> authenticationMechanisms, IDurableStoreFactory? durableStoreFactory = null)
    {
        var mechanisms = authenticationMechanisms.ToList();
        if (options.Value.Security.PasswordFile is { } passwordFile)
        {
            // A bad file fails the start with its path and line (SecurityConfigurationException), never silently.
            var store = new PasswordFileScramCredentialStore(PasswordFile.Load(passwordFile));
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
        Router = new MessageRouter(Tree, Retained, timeProvider);
        var limits = new SessionLimits(Options.MaxQueuedMessages, Options.QueueOverflowPolicy, timeProvider, OnDropped);
        Sessions = new SessionRegistry(new InMemorySessionStore(), Tree, limits, PublishWill, Router.RedeliverShared, session => BrokerLog.SessionEnded(Logger, session.ClientId), Durable);
        if (durableState is not null)
        {
            RestoreDurableState(durableState);
        }
        _heartbeat = timeProvider.CreateTimer(_ => OnHeartbeat(), null, Options.HeartbeatInterval, Options.HeartbeatInterval);
    }

    public BrokerOptions Options { get; }

    /// <summary>The enhanced authentication mechanisms offered to MQTT 5.0 clients (registered as <see cref="IEnhancedAuthenticationMechanism"/> services).</summary>
    public IReadOnlyList<IEnhancedAuthenticationMechanism> AuthenticationMechanisms { get; }

    public ILogger Logger { get; }

    public TimeProvider TimeProvider { get; }

    public BrokerMetrics Metrics { get; }

    public SubscriptionTree<MqttSession> Tree { get; }

    public IRetainedMessageStore Retained { get; }

    public SessionRegistry Sessions { get; }

    public MessageRouter Router { get; }

    /// <summary>The writer of durable state; null in memory mode.</summary>
    public DurableWriter? Durable { get; private set; }

    /// <summary>When the engine started, as a <see cref="TimeProvider"/> timestamp.</summary>
    public long StartedAt { get; }

    /// <summary>True once shutdown began: new connections are refused.</summary>
    public bool IsShuttingDown => Volatile.Read(ref _shuttingDown) != 0;

    /// <summary>Live channels, for the heartbeat and shutdown.</summary>
    public int ConnectionCount => _channels.Count;

    public void Register(MqttChannel channel) => _channels.TryAdd(channel, 0);

    public void Unregister(MqttChannel channel)
    {
        _channels.TryRemove(channel, out _);
        if (IsShuttingDown && _channels.IsEmpty)
        {
            _allClosed.TrySetResult();
        }
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
        Router.Route(will, session);
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
        }
    }

    private void OnHeartbeat()
    {
        long now = TimeProvider.GetTimestamp();
        foreach (var channel in _channels.Keys)
        {
            channel.CheckTimeouts(now);
        }
    }

    public void Dispose()
    {
        _heartbeat.Dispose();
        Durable?.Dispose();
    }
}
