namespace Tern.Broker;

/// <summary>The outcome of <see cref="MqttBroker.Reload"/>: all of the new configuration in force, or none of it.</summary>
/// <param name="Succeeded">True when every part's new state is in force; false when the previous state of every part still is.</param>
/// <param name="Reloaded">The parts that were reloaded ("password file", "acl", ...); empty when the reload failed.</param>
/// <param name="Problems">Why the reload failed, one clear sentence each; empty when it succeeded.</param>
public sealed record BrokerReloadResult(bool Succeeded, IReadOnlyList<string> Reloaded, IReadOnlyList<string> Problems);
