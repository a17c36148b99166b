using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker;
using Tern.TestKit;

namespace Tern.Broker.Tests.Support;

/// <summary>A Tern broker on 127.0.0.1:0 for one test, optionally on a fake clock, with its log lines kept for assertions.</summary>
internal sealed class TestBroker : IAsyncDisposable
{
    private readonly ConcurrentQueue<string> _log = new();

    private TestBroker(FakeTimeProvider? time) => Time = time;

    public MqttBroker Broker { get; private set; } = null!;

    public FakeTimeProvider? Time { get; }

    public int Port => Broker.Endpoints[0].Port;

    public string Log => string.Join('\n', _log);

    public static async Task<TestBroker> StartAsync(Action<BrokerOptions>? configure = null, FakeTimeProvider? time = null)
    {
        var options = new BrokerOptions { Listeners = [new MqttListenerOptions { Port = 0 }], SysInterval = TimeSpan.Zero };
        configure?.Invoke(options);
        var broker = new TestBroker(time);
        broker.Broker = await MqttBroker.StartAsync(options, services =>
        {
            services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug).AddProvider(new QueueLoggerProvider(broker._log)));
            if (time is not null)
            {
                services.AddSingleton<TimeProvider>(time);
            }
        });
        return broker;
    }

    public Task<RawMqttConnection> ConnectRawAsync(string? name = null) => RawMqttConnection.ConnectAsync("127.0.0.1", Port, name);

    /// <summary>Opens a raw connection and completes a CONNECT, expecting it accepted.</summary>
    public async Task<RawMqttConnection> ConnectAsync(byte[] connect, string? name = null)
    {
        var connection = await ConnectRawAsync(name);
        await connection.SendAsync(connect);
        var connack = await connection.ReadPacketAsync(Timeouts.Default);
        // CONNACK: 20, remaining length, flags, then the return code (3.x) or reason code (5.0) at index 3.
        Assert.True(connack[0] == 0x20 && connack[3] == 0, $"expected an accepting CONNACK, got {Convert.ToHexString(connack)}");
        return connection;
    }

    public async ValueTask DisposeAsync() => await Broker.DisposeAsync();

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
            lines.Enqueue($"{logLevel} [{eventId.Id}] {formatter(state, exception)}");
    }
}

internal static class Timeouts
{
    /// <summary>Generous: CI machines are shared and slow; tests wait on events and finish as soon as they happen.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    /// <summary>How long "nothing happens" is watched for.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);
}
