namespace Tern.Broker.Hosting;

/// <summary>
/// A part of the broker whose settings can change while it runs (password file, ACL, limits, TLS certificates).
/// Reload is two-phase so that it is all-or-nothing across parts: every part first reads and checks its new state
/// (<see cref="Prepare"/>); only when no part found a problem does each put its prepared state in force.
/// Registered in the service collection; <see cref="BrokerReloader"/> finds every registration.
/// </summary>
internal interface IReloadableComponent
{
    /// <summary>What is reloaded, for the result and the log ("password file", "acl", "tls certificates").</summary>
    string Name { get; }

    /// <summary>
    /// Reads and checks the new state without putting it in force. Returns the problems found (each a clear,
    /// self-contained sentence with file and line where it has them) or, when there are none, the action that puts
    /// the prepared state in force. The action must not fail.
    /// </summary>
    ReloadPreparation Prepare();
}

/// <summary>What <see cref="IReloadableComponent.Prepare"/> found: problems, or the commit action.</summary>
/// <param name="Problems">Empty when the new state is good.</param>
/// <param name="Commit">Puts the new state in force; null when there are problems or nothing changed.</param>
internal readonly record struct ReloadPreparation(IReadOnlyList<string> Problems, Action? Commit)
{
    /// <summary>A good new state and the action that puts it in force.</summary>
    public static ReloadPreparation Ready(Action commit) => new([], commit);

    /// <summary>A bad new state; the old one stays.</summary>
    public static ReloadPreparation Failed(params string[] problems) => new(problems, null);
}
