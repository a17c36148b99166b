using Microsoft.Extensions.Hosting;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Hosting;

/// <summary>
/// Starts the $SYS publisher with the host and, when the host stops, closes every MQTT connection (5.0 clients get
/// DISCONNECT 0x8B) before Kestrel stops, so clients learn why instead of seeing a reset.
/// </summary>
internal sealed class BrokerLifetimeService(BrokerEngine engine, IHostApplicationLifetime lifetime) : IHostedService, IDisposable
{
    private SysTopicPublisher? _sys;
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _sys = new SysTopicPublisher(engine);
        _stopping = lifetime.ApplicationStopping.Register(engine.BeginShutdown);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        engine.BeginShutdown();
        await engine.WaitForConnectionsAsync(engine.Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        _sys?.Dispose();
    }

    public void Dispose()
    {
        _stopping.Dispose();
        _sys?.Dispose();
    }
}
