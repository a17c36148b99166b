using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Tern.Broker;

namespace Tern.TestKit;

/// <summary>A Tern broker in this process on 127.0.0.1:0, optionally on a fake clock, with its log lines kept for assertions and failure messages.</summary>
public sealed class TernBroker : IBrokerUnderTest
{
    private readonly ConcurrentQueue<string> _log = new();
    private readonly BrokerSettings _settings;
    private readonly Action<BrokerOptions>? _configure;
    private readonly Action<IServiceCollection>? _services;
    private MqttBroker? _broker;

    private TernBroker(BrokerSettings settings, TimeProvider? time, Action<BrokerOptions>? configure, Action<IServiceCollection>? services)
    {
        _settings = settings;
        Time = time;
        _configure = configure;
        _services = services;
        DataDirectory = settings.Persistence ? Path.Combine(Path.GetTempPath(), "tern-testkit-" + Guid.NewGuid().ToString("N")[..12]) : null;
    }

    /// <summary>Where the broker keeps its SQLite store when <see cref="BrokerSettings.Persistence"/> is set (deleted when the broker is disposed); null otherwise.</summary>
    public string? DataDirectory { get; }

    /// <inheritdoc/>
    public string Name => "tern";

    /// <inheritdoc/>
    public string Host => "127.0.0.1";

    /// <inheritdoc/>
    public int Port => Broker.Endpoints[0].Port;

    /// <inheritdoc/>
    public string Log => string.Join('\n', _log);

    /// <summary>Tern closes a silent client within 0.25 s of 1.5 × keep alive; allow for a busy machine.</summary>
    public TimeSpan KeepAliveSlack => TimeSpan.FromSeconds(1);

    /// <summary>The running broker.</summary>
    public MqttBroker Broker => _broker ?? throw new InvalidOperationException("The broker is not started.");

    /// <summary>The clock the broker runs on, when a test supplied one.</summary>
    public TimeProvider? Time { get; }

    /// <summary>Starts a broker for the interop suite.</summary>
    public static Task<TernBroker> StartAsync(BrokerSettings settings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return StartAsync(configure: null, time: null, settings, services: null, cancellationToken);
    }

    /// <summary>Starts a broker with options changed by <paramref name="configure"/>, on <paramref name="time"/> when given, with extra <paramref name="services"/> (authentication mechanisms, ...).</summary>
    public static async Task<TernBroker> StartAsync(Action<BrokerOptions>? configure, TimeProvider? time = null, BrokerSettings? settings = null, Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        var broker = new TernBroker(settings ?? BrokerSettings.Default, time, configure, services);
        broker._broker = await broker.LaunchAsync(port: 0, cancellationToken).ConfigureAwait(false);
        return broker;
    }

    /// <summary>
    /// Stops the broker as a clean shutdown does and starts it again on the same port with the same options; with
    /// <see cref="BrokerSettings.Persistence"/> it reopens the same store, so persistent sessions, queued messages and
    /// retained messages are back.
    /// </summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        int port = Port;
        await Broker.DisposeAsync().ConfigureAwait(false);
        _broker = null;
        _log.Enqueue("--- restart ---");
        _broker = await LaunchAsync(port, cancellationToken).ConfigureAwait(false);
    }

    private Task<MqttBroker> LaunchAsync(int port, CancellationToken cancellationToken)
    {
        var options = new BrokerOptions { Listeners = [new MqttListenerOptions { Bind = "127.0.0.1", Port = 0 }], SysInterval = TimeSpan.Zero };
        if (DataDirectory is not null)
        {
            options.Persistence.Mode = PersistenceMode.Sqlite;
            options.Persistence.DataDirectory = DataDirectory;
        }

        _configure?.Invoke(options);
        if (port != 0)
        {
            options.Listeners[0].Port = port;
        }

        return MqttBroker.StartAsync(
            options,
            collection =>
            {
                collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new QueueLoggerProvider(_log)));
                if (Time is not null)
                {
                    collection.AddSingleton(Time);
                }

                if (DataDirectory is not null)
                {
                    collection.AddTernSqlitePersistence();
                }

                _services?.Invoke(collection);
            },
            cancellationToken);
    }

    /// <summary>Opens a raw connection to the broker.</summary>
    public Task<RawMqttConnection> ConnectRawAsync(string? name = null) => RawMqttConnection.ConnectAsync(Host, Port, name);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_broker is not null)
        {
            int port = Port;
            await _broker.DisposeAsync().ConfigureAwait(false);
            _settings.LogSink?.Invoke($"--- tern on port {port} ---\n{Log}");
        }

        if (DataDirectory is not null && Directory.Exists(DataDirectory))
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A temporary directory left behind is not the test's failure.
            }
        }
    }

    private sealed class QueueLoggerProvider(ConcurrentQueue<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new QueueLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class QueueLogger(ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} [{eventId.Id}] {formatter(state, exception)}{(exception is null ? string.Empty : " " + exception.Message)}");
    }
}
