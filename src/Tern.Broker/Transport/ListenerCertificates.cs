using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;

namespace Tern.Broker.Transport;

/// <summary>
/// The certificates of every TLS listener, re-read from their files on reload ("tls certificates"): every handshake
/// asks for the current <see cref="ListenerTlsMaterial"/>, so a reload reaches new connections without a restart while
/// connections already open keep theirs. A file that cannot be read fails the reload and the old certificate stays.
/// </summary>
internal sealed class ListenerCertificates(ILoggerFactory loggerFactory) : IReloadableComponent
{
    private readonly ILogger _logger = loggerFactory.CreateLogger("Tern.Broker.Listeners");
    private readonly Lock _gate = new();
    private readonly Dictionary<MqttListenerOptions, Holder> _listeners = new(ReferenceEqualityComparer.Instance);

    /// <inheritdoc/>
    public string Name => "tls certificates";

    /// <summary>Reads the listener's certificate files and keeps them for its handshakes.</summary>
    /// <exception cref="InvalidOperationException">A file is missing or unreadable; the message says which.</exception>
    public void Register(MqttListenerOptions listener)
    {
        lock (_gate)
        {
            if (_listeners.ContainsKey(listener))
            {
                return;
            }

            var material = ListenerTlsMaterial.TryLoad(listener.Tls, listener.DisplayName, out var problem)
                ?? throw new InvalidOperationException(problem);
            _listeners.Add(listener, new Holder { Current = material });
            BrokerLog.CertificateLoaded(_logger, listener.DisplayName, material.Certificate.Subject, material.Certificate.Thumbprint, material.Certificate.NotAfter.ToUniversalTime());
        }
    }

    /// <summary>The certificates in force for <paramref name="listener"/>; it must be registered.</summary>
    public ListenerTlsMaterial Current(MqttListenerOptions listener)
    {
        lock (_gate)
        {
            return _listeners[listener].Current;
        }
    }

    /// <inheritdoc/>
    public ReloadPreparation Prepare()
    {
        KeyValuePair<MqttListenerOptions, Holder>[] listeners;
        lock (_gate)
        {
            listeners = [.. _listeners];
        }

        var problems = new List<string>();
        var loaded = new List<(MqttListenerOptions Listener, Holder Holder, ListenerTlsMaterial Material)>();
        foreach (var (listener, holder) in listeners)
        {
            var material = ListenerTlsMaterial.TryLoad(listener.Tls, listener.DisplayName, out var problem);
            if (material is null)
            {
                problems.Add(problem!);
            }
            else
            {
                loaded.Add((listener, holder, material));
            }
        }

        if (problems.Count > 0)
        {
            return ReloadPreparation.Failed([.. problems]);
        }

        if (loaded.Count == 0)
        {
            // No TLS listener: nothing to put in force, so the reload does not claim to have reloaded certificates.
            return new ReloadPreparation([], null);
        }

        return ReloadPreparation.Ready(() =>
        {
            lock (_gate)
            {
                foreach (var (listener, holder, material) in loaded)
                {
                    // The old certificate is not disposed: a handshake that started with it may still be using it.
                    holder.Current = material;
                    BrokerLog.CertificateLoaded(_logger, listener.DisplayName, material.Certificate.Subject, material.Certificate.Thumbprint, material.Certificate.NotAfter.ToUniversalTime());
                }
            }
        });
    }

    private sealed class Holder
    {
        public required ListenerTlsMaterial Current { get; set; }
    }
}
