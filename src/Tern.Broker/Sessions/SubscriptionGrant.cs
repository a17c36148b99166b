using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>What the broker granted for one Topic Filter of a session.</summary>
/// <param name="QoS">The maximum QoS granted.</param>
/// <param name="Options">The subscription's options as the tree holds them (kept so a durable store can rebuild the subscription).</param>
internal readonly record struct SubscriptionGrant(QualityOfService QoS, SubscriptionEntryOptions Options = default);
