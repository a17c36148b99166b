using Tern.Protocol;

namespace Tern.Broker.Admin;

/// <summary>What the admin API shows of one connected client, taken at one moment.</summary>
internal sealed record ClientSnapshot(
    string ClientId,
    string Address,
    ProtocolVersion ProtocolVersion,
    DateTimeOffset ConnectedSince,
    int KeepAlive,
    int Queued,
    int Inflight,
    string Listener,
    uint SessionExpiryInterval);
