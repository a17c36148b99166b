namespace Tern.Client.Tests.Support;

/// <summary>Deadlines. A passing test never waits for one to expire: it waits on the event.</summary>
internal static class Timeouts
{
    /// <summary>For something that should happen promptly on loopback: a CONNACK, a delivered message, a close.</summary>
    public static readonly TimeSpan Event = TimeSpan.FromSeconds(5);

    /// <summary>For a process to start, connect and run to its end.</summary>
    public static readonly TimeSpan Process = TimeSpan.FromSeconds(20);
}
