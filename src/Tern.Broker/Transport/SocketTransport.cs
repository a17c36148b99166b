using System.Net;
using Microsoft.Extensions.Hosting;
using Tern.Broker.Hosting;

namespace Tern.Broker.Transport;

/// <summary>
/// The <c>mqtt</c> listeners served by Tern's own socket transport (<see cref="ListenerTransport.Sockets"/>), as a
/// hosted service of <see cref="MqttBroker"/>: binds them when the host starts; when it stops, stops accepting, lets
/// the engine close every connection (5.0: DISCONNECT 0x8B) within <see cref="BrokerOptions.ShutdownTimeout"/>, then
/// aborts what is left.
/// </summary>
internal sealed class SocketTransport(BrokerEngine engine, IReadOnlyList<MqttListenerOptions> listeners) : IHostedService, IDisposable
{
    private readonly List<SocketListener> _listeners = [.. listeners.Select(l => new SocketListener(l, engine))];

    /// <summary>The listeners, bound once the host started.</summary>
    public IReadOnlyList<SocketListener> Listeners => _listeners;

    /// <summary>Connections open over all socket listeners.</summary>
    public int OpenConnections => _listeners.Sum(l => l.OpenConnections);

    /// <summary>The bound endpoint of <paramref name="listener"/>, or null when it is not one of these listeners.</summary>
    public IPEndPoint? EndPointOf(MqttListenerOptions listener) => _listeners.FirstOrDefault(l => ReferenceEquals(l.Options, listener))?.EndPoint;

    /// <inheritdoc/>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var listener in _listeners)
            {
                listener.Bind();
            }
        }
        catch
        {
            foreach (var listener in _listeners)
            {
                _ = listener.StopAcceptingAsync();
            }

            throw;
        }

        foreach (var listener in _listeners)
        {
            listener.Start();
        }

        return Task.CompletedTask;
    }

    /// <summary>Closes the listening sockets: a host that failed to start is disposed without being stopped.</summary>
    public void Dispose()
    {
        foreach (var listener in _listeners)
        {
            listener.CloseListeningSocket();
        }
    }

    /// <inheritdoc/>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await Task.WhenAll(_listeners.Select(l => l.StopAcceptingAsync())).ConfigureAwait(false);
        engine.BeginShutdown();
        await engine.WaitForConnectionsAsync(engine.Options.ShutdownTimeout, cancellationToken).ConfigureAwait(false);
        await Task.WhenAll(_listeners.Select(l => l.AbortAllAsync(engine.Options.ShutdownTimeout))).ConfigureAwait(false);
    }
}
