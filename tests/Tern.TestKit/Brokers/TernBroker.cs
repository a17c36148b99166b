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
    private MqttBroker? _broker;

    private TernBroker(BrokerSettings settings, TimeProvider? time)
    {
        _settings = settings;
        Time = time;
    }

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
        if (settings.Persistence)
        {
            throw new NotSupportedException("Tern keeps sessions in memory only until the persistence issue lands.");
        }

        return StartAsync(configure: null, time: null, settings, services: null, cancellationToken);
    }

    /// <summary>Starts a broker with options changed by <paramref name="configure"/>, on <paramref name="time"/> when given, with extra <paramref name="services"/> (authentication mechanisms, ...).</summary>
    public static async Task<TernBroker> StartAsync(Action<BrokerOptions>? configure, TimeProvider? time = null, BrokerSettings? settings = null, Action<IServiceCollection>? services = null, CancellationToken cancellationToken = default)
    {
        var options = new BrokerOptions { Listeners = [new MqttListenerOptions { Bind = "127.0.0.1", Port = 0 }], SysInterval = TimeSpan.Zero };
        configure?.Invoke(options);
        var broker = new TernBroker(settings ?? BrokerSettings.Default, time);
        broker._broker = await MqttBroker.StartAsync(
            options,
            collection =>
            {
                collection.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new QueueLoggerProvider(broker._log)));
                if (time is not null)
                {
                    collection.AddSingleton(time);
                }

                services?.Invoke(collection);
            },
            cancellationToken).ConfigureAwait(false);
        return broker;
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
