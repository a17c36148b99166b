using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Tern.Client.Diagnostics;
using Tern.Client.Internal;
using Tern.Client.Persistence;
using Tern.Protocol;

namespace Tern.Client;

/// <summary>
/// An MQTT 3.1.1 / 5.0 client: one connection at a time over TCP, TLS or WebSocket, reconnecting with backoff when
/// it is lost, with a publish queue that holds messages while offline (optionally in a file).
/// </summary>
/// <example><code>
/// await using var client = new MqttClient(MqttClientOptions.Default with { Host = "127.0.0.1", ClientId = "sensor-1" });
/// await client.ConnectAsync();
/// await using var subscription = await client.SubscribeAsync("sensors/+/temperature", QualityOfService.AtLeastOnce);
/// await client.PublishAsync("sensors/1/temperature", "21.5", QualityOfService.AtLeastOnce);
/// await foreach (var message in subscription) { Console.WriteLine($"{message.Topic} {message.PayloadAsString()}"); }
/// </code></example>
/// <remarks>
/// Thread-safe: any thread may publish, subscribe or disconnect concurrently. Each connection has one read loop, one
/// write loop and one keep-alive loop; events are raised on the client's own tasks, never while it holds a lock.
/// </remarks>
public sealed partial class MqttClient : IAsyncDisposable
{
    private readonly MqttClientOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _sync = new();
    private readonly PacketIdentifiers _ids = new();
    private readonly Dictionary<ushort, PendingPublish> _inflight = [];
    private readonly HashSet<ushort> _awaitingRelease = [];
    private readonly LinkedList<PendingPublish> _queue = new();
    private readonly List<PendingPublish> _qos0InTransit = [];
    private readonly List<MqttSubscription> _subscriptions = [];
    private readonly Dictionary<ushort, PendingRequest> _requests = [];
    private readonly FileMessageStore? _store;
    private ClientConnection? _connection;
    private ClientState _state;
    private CancellationTokenSource? _lifetime;
    private TaskCompletionSource _changed = NewSignal();
    private TaskCompletionSource _connectedSignal = NewSignal();
    private Task _supervisor = Task.CompletedTask;
    private string _clientId;
    private MqttConnectResult? _lastConnect;
    private long _sequence;

    /// <summary>Creates a client; nothing is sent until <see cref="ConnectAsync"/> (publishes before it are queued).</summary>
    /// <exception cref="ArgumentException">The options are not valid (see <see cref="MqttClientOptions.Validate"/>).</exception>
    /// <exception cref="IOException">The offline queue file cannot be opened (another process holds it).</exception>
    public MqttClient(MqttClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _logger = options.LoggerFactory?.CreateLogger<MqttClient>() ?? NullLogger<MqttClient>.Instance;
        _clientId = options.ClientId.Length > 0 || options.ProtocolVersion == ProtocolVersion.V500
            ? options.ClientId
            : "tern-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        if (options.OfflineQueue.FilePath is { } path)
        {
            _store = FileMessageStore.Open(path, out var stored);
            foreach (var message in stored)
            {
                var restored = MessageEncoding.FromStored(message);
                var pending = new PendingPublish(restored, System.Text.Encoding.UTF8.GetBytes(message.Topic), message.Properties, message.Id) { Sequence = ++_sequence };
                if (message.PacketIdentifier != 0 && message.QoS == QualityOfService.ExactlyOnce && _ids.Mark(message.PacketIdentifier))
                {
                    // A QoS 2 exchange the last process left open: it goes on where it stopped once the broker says it
                    // kept the session (DUP PUBLISH with the same identifier, or PUBREL), see Attach.
                    pending.PacketIdentifier = message.PacketIdentifier;
                    pending.State = message.Released ? PublishState.AwaitingPubComp : PublishState.AwaitingPubRec;
                    pending.WasSent = true;
                    _inflight[message.PacketIdentifier] = pending;
                    continue;
                }

                _queue.AddLast(pending);
            }

            if (stored.Count > 0)
            {
                ClientLog.StoreLoaded(_logger, stored.Count, path);
            }
        }
    }

    private enum ClientState
    {
        Idle,
        Connecting,
        Connected,
        Reconnecting,
        Disposed,
    }

    /// <summary>Raised after every accepted CONNACK: the first connect and each reconnect.</summary>
    public event EventHandler<MqttConnectedEventArgs>? Connected;

    /// <summary>Raised once for every connection that ended, with why and whether a reconnect follows.</summary>
    public event EventHandler<MqttDisconnectedEventArgs>? Disconnected;

    /// <summary>Raised on the read loop for every Application Message received, before subscriptions see it. Keep it short.</summary>
    public event EventHandler<MqttMessageReceivedEventArgs>? MessageReceived;

    /// <summary>The options this client was created with.</summary>
    public MqttClientOptions Options => _options;

    /// <summary>True while a connection is up.</summary>
    public bool IsConnected
    {
        get
        {
            lock (_sync)
            {
                return _connection is { IsClosing: false };
            }
        }
    }

    /// <summary>The client identifier in use (the broker's assigned one after a 5.0 connect with none).</summary>
    public string ClientId
    {
        get
        {
            lock (_sync)
            {
                return _clientId;
            }
        }
    }

    /// <summary>The last accepted CONNACK, or null before the first.</summary>
    public MqttConnectResult? LastConnectResult
    {
        get
        {
            lock (_sync)
            {
                return _lastConnect;
            }
        }
    }

    /// <summary>Messages waiting in the publish queue (not yet sent).</summary>
    public int QueuedMessageCount
    {
        get
        {
            lock (_sync)
            {
                return _queue.Count(p => !p.IsCompleted);
            }
        }
    }

    /// <summary>QoS 1/2 messages sent and not yet acknowledged.</summary>
    public int InflightMessageCount
    {
        get
        {
            lock (_sync)
            {
                return _inflight.Count;
            }
        }
    }

    /// <summary>
    /// Disconnects (DISCONNECT, so the broker discards the will) if connected, ends every subscription, and fails
    /// publishes still waiting with <see cref="ObjectDisposedException"/>. Messages in a durable queue stay in its file.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync().ConfigureAwait(false);
        }
        catch (MqttClientException)
        {
            // Disposal goes on whatever the network says.
        }

        List<PendingPublish> abandoned;
        lock (_sync)
        {
            if (_state == ClientState.Disposed)
            {
                return;
            }

            _state = ClientState.Disposed;
            abandoned = [.. _queue, .. _inflight.Values, .. _qos0InTransit];
            _queue.Clear();
            _inflight.Clear();
            _qos0InTransit.Clear();
            _connectedSignal.TrySetException(new ObjectDisposedException(nameof(MqttClient)));
        }

        foreach (var pending in abandoned)
        {
            pending.TryFail(new ObjectDisposedException(nameof(MqttClient), "The client was disposed before the message was delivered."));
        }

        _store?.Dispose();
        _lifetime?.Dispose();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Under _sync: wakes the publish sender (queue, window or connection changed).
    private void SignalChanged()
    {
        var old = _changed;
        _changed = NewSignal();
        old.TrySetResult();
    }

    private void Raise<T>(EventHandler<T>? handler, T args)
        where T : EventArgs
    {
        if (handler is null)
        {
            return;
        }

        try
        {
            handler(this, args);
        }
        catch (Exception e)
        {
            ClientLog.HandlerFailed(_logger, e);
        }
    }

    private void ThrowIfDisposed()
    {
        ObjectDisposedException.ThrowIf(_state == ClientState.Disposed, this);
    }
}
