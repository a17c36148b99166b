using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace Tern.Broker.Transport;

/// <summary>
/// The web host's server when nothing needs Kestrel (every listener is a socket-transport <c>mqtt</c> listener and the
/// HTTP listener is off): Kestrel without endpoints would bind http://localhost:5000 by default.
/// </summary>
internal sealed class NoHttpServer : IServer
{
    /// <inheritdoc/>
    public IFeatureCollection Features { get; } = new FeatureCollection();

    /// <inheritdoc/>
    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    /// <inheritdoc/>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public void Dispose()
    {
    }
}
