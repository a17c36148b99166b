using Tern.Protocol;

namespace Tern.Broker.Sessions;

/// <summary>What the broker granted for one Topic Filter of a session.</summary>
/// <param name="QoS">The maximum QoS granted.</param>
internal readonly record struct SubscriptionGrant(QualityOfService QoS);
