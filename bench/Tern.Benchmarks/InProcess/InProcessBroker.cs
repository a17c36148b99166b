using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Tern.Broker;
using Tern.Broker.Diagnostics;
using Tern.Broker.Hosting;
using Tern.Broker.Messages;
using Tern.Broker.Security;
using Tern.Protocol;

namespace Tern.Benchmarks.InProcess;

/// <summary>
/// A broker engine with no sockets: each client is a pair of in-memory pipes, and the connection's read and write
/// paths are driven one step at a time on the calling thread (decode -> route -> encode, then the subscriber's bytes
/// read back and acknowledged). Shared by the in-process benchmark and the allocation guard test
/// (tests/Tern.Broker.Tests links this folder).
/// </summary>
internal sealed class InProcessBroker : IDisposable
{
    private readonly BrokerMetrics _metrics = new();
    private readonly BrokerSecurity _security;

    public InProcessBroker(Action<BrokerOptions>? configure = null, TimeProvider? time = null)
    {
        var options = new BrokerOptions { MaxInflightMessages = 1000 };
        options.Security.AllowAnonymous = true;
        configure?.Invoke(options);
        var wrapped = Options.Create(options);
        _security = new BrokerSecurity(wrapped, [], [], NullLoggerFactory.Instance, _metrics);
        Engine = new BrokerEngine(wrapped, NullLoggerFactory.Instance, time ?? TimeProvider.System, _metrics, [], _security);
    }

    /// <summary>The engine: sessions, tree, router.</summary>
    public BrokerEngine Engine { get; }

    /// <summary>The pool routed messages come from.</summary>
    public MessagePool Pool => Engine.Router.Pool;

    /// <summary>
    /// Connects a client. The CONNACK, and what a present session resends at once, is read and discarded unless
    /// <paramref name="keepReceived"/> is set (then <see cref="InProcessClient.Receive"/> reads it).
    /// </summary>
    public InProcessClient Connect(string clientId, ProtocolVersion version, bool cleanSession = true, uint sessionExpiry = 0, bool keepReceived = false)
    {
        var client = new InProcessClient(this, clientId, version, new IPEndPoint(IPAddress.Loopback, 50000));
        client.SendRaw(Packets.Connect(clientId, version, cleanSession, sessionExpiry));
        if (!keepReceived)
        {
            client.DiscardReceived();
        }

        return client;
    }

    public void Dispose()
    {
        Engine.Dispose();
        _security.Dispose();
        _metrics.Dispose();
    }
}
