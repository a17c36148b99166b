using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Tern.Broker.Hosting;

namespace Tern.Broker;

/// <summary>
/// A Tern broker for any .NET application: <see cref="StartAsync(BrokerOptions, CancellationToken)"/> binds the
/// listeners and returns once they accept connections; <see cref="Endpoints"/> says where (the real port when 0 was
/// asked for). ASP.NET Core applications can instead use <see cref="TernBrokerExtensions.AddTernBroker"/>.
/// </summary>
/// <example><code>
/// await using var broker = await MqttBroker.StartAsync(new BrokerOptions { Listeners = [new() { Port = 0 }] });
/// Console.WriteLine($"MQTT on port {broker.Endpoints[0].Port}");
/// </code></example>
public sealed class MqttBroker : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _stopped;

    private MqttBroker(WebApplication app, IReadOnlyList<ListenerEndpoint> listeners)
    {
        _app = app;
        Listeners = listeners;
        Endpoints = [.. listeners.Select(l => l.EndPoint)];
    }

    /// <summary>The endpoints the broker listens on, with the ports actually bound, in the order of <see cref="BrokerOptions.Listeners"/>.</summary>
    public IReadOnlyList<IPEndPoint> Endpoints { get; }

    /// <summary>The listeners with their protocol, options and bound endpoint, in the order of <see cref="BrokerOptions.Listeners"/>.</summary>
    public IReadOnlyList<ListenerEndpoint> Listeners { get; }

    /// <summary>
    /// Where the HTTP listener (metrics, health, admin API) is bound, with the real port; null when it is off
    /// (<see cref="BrokerHttpOptions.Enabled"/> is not true).
    /// </summary>
    public IPEndPoint? HttpEndpoint { get; private init; }

    /// <summary>The application's services (the broker's logger factory, time provider, meter).</summary>
    public IServiceProvider Services => _app.Services;

    internal BrokerEngine Engine => _app.Services.GetRequiredService<BrokerEngine>();

    /// <summary>Starts a broker with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static Task<MqttBroker> StartAsync(BrokerOptions options, CancellationToken cancellationToken = default) =>
        StartAsync(options, configureServices: null, cancellationToken);

    /// <summary>
    /// Starts a broker with <paramref name="options"/>, letting <paramref name="configureServices"/> add logging
    /// providers or replace the <see cref="TimeProvider"/> (tests use a fake clock).
    /// </summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public static async Task<MqttBroker> StartAsync(BrokerOptions options, Action<IServiceCollection>? configureServices, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var problems = options.Validate();
        if (problems.Count > 0)
        {
            throw new ArgumentException("Invalid broker options: " + string.Join(" ", problems), nameof(options));
        }

        var listeners = options.Listeners.Count == 0 ? [new MqttListenerOptions()] : options.Listeners;
        var socketListeners = listeners.Where(l => l.UsesSocketTransport).ToList();
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        if (socketListeners.Count < listeners.Count || options.Http.Enabled == true)
        {
            builder.WebHost.UseKestrelCore();
        }
        else
        {
            // Kestrel with no endpoint would bind http://localhost:5000 by default.
            builder.Services.AddSingleton<Microsoft.AspNetCore.Hosting.Server.IServer, Transport.NoHttpServer>();
        }

        builder.Services.AddLogging();
        builder.Services.AddSingleton<IOptions<BrokerOptions>>(Options.Create(options));
        builder.Services.AddTernBroker();

        // Registered after the broker's lifetime service, so it stops first: stop accepting, then close connections.
        builder.Services.AddSingleton(sp => new Transport.SocketTransport(sp.GetRequiredService<BrokerEngine>(), socketListeners));
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Transport.SocketTransport>());
        configureServices?.Invoke(builder.Services);
        var http = Admin.AdminHttpHost.Configure(builder, options);

        var bound = new List<(MqttListenerOptions Listener, ListenOptions Listen)>();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var listener in listeners.Where(l => !l.UsesSocketTransport))
            {
                kestrel.Listen(listener.GetAddress(), listener.Port, listen =>
                {
                    listen.UseTernMqtt(listener);
                    bound.Add((listener, listen));
                });
            }
        });

        var app = builder.Build();
        if (listeners.Any(l => l.Protocol is ListenerProtocol.Ws or ListenerProtocol.Wss))
        {
            // Only WebSocket listeners speak HTTP; the others hand the connection to MQTT before any HTTP runs.
            app.UseTernMqttWebSockets();
        }

        Admin.AdminHttpHost.Map(app, options, http);

        try
        {
            // The engine first: a bad security file or store fails here with its own exception, before the host starts
            // its services (and logs its own "Hosting failed to start" line for what fails in them).
            _ = app.Services.GetRequiredService<BrokerEngine>();
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }

        // Kestrel writes the bound endpoint (with the real port) back into each ListenOptions; the socket transport
        // knows its own. Listed in the order of the options.
        var sockets = app.Services.GetRequiredService<Transport.SocketTransport>();
        var endpoints = listeners.Select(l => new ListenerEndpoint(l, sockets.EndPointOf(l) ?? bound.First(b => ReferenceEquals(b.Listener, l)).Listen.IPEndPoint!)).ToList();
        var logger = app.Services.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>().CreateLogger("Tern.Broker");
        foreach (var endpoint in endpoints)
        {
            Diagnostics.BrokerLog.Listening(logger, endpoint.Url);
        }

        return new MqttBroker(app, endpoints) { HttpEndpoint = Admin.AdminHttpHost.Started(app, options, http) };
    }

    /// <summary>
    /// Where <see cref="Reload"/> re-reads the settings that can change while the broker runs: MaxConnections,
    /// MaxTopicLength, MaxTopicLevels, MaxSubscriptionsPerClient, MaxOutboundBytes, SlowConsumerTimeout, ConnectTimeout,
    /// MaxKeepAlive, MaxAwaitingRelease, and for new connections MaxInflightMessages, MaxPublishRatePerClient and
    /// MaxPublishBytesRatePerClient. Null (the default) leaves them as started. <c>tern broker</c> sets it to re-read its
    /// configuration file and environment; settings fixed at start (listeners, persistence) wait for a restart.
    /// </summary>
    public Func<BrokerOptions>? ConfigurationSource
    {
        get => _app.Services.GetRequiredService<RuntimeSettingsReload>().Source;
        set => _app.Services.GetRequiredService<RuntimeSettingsReload>().Source = value;
    }

    /// <summary>
    /// Re-reads the parts of the configuration that can change while the broker runs (password file, ACL, limits, TLS
    /// certificates) and puts them in force together; when any part is bad, nothing changes and the result says why.
    /// <c>tern broker</c> does this on SIGHUP.
    /// </summary>
    public BrokerReloadResult Reload() => _app.Services.GetRequiredService<BrokerReloader>().Reload();

    /// <summary>Stops accepting connections, disconnects every client (5.0: DISCONNECT 0x8B) and stops.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the broker and releases it.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }
}
