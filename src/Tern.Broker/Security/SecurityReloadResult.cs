namespace Tern.Broker;

/// <summary>The outcome of <see cref="SecurityConfiguration.Reload"/>.</summary>
/// <param name="Succeeded">True when the new files are in force; false when the previous ones still are.</param>
/// <param name="Error">Why the reload failed (file and line), or null.</param>
/// <param name="Warnings">Things worth logging about the files read (for example a password file others can read).</param>
public readonly record struct SecurityReloadResult(bool Succeeded, string? Error, IReadOnlyList<string> Warnings);
