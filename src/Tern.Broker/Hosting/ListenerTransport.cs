namespace Tern.Broker;

/// <summary>Which code accepts and carries the connections of a plain <see cref="ListenerProtocol.Mqtt"/> listener.</summary>
public enum ListenerTransport
{
    /// <summary>
    /// Tern's own socket transport (the default): an accept loop on a <see cref="System.Net.Sockets.Socket"/> and, per
    /// connection, a few small objects and no buffer while the connection is idle (docs/architecture.md, "Transports").
    /// </summary>
    Sockets,

    /// <summary>Kestrel's socket transport, as for <c>mqtts</c>, <c>ws</c> and <c>wss</c> listeners.</summary>
    Kestrel,
}
