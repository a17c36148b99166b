namespace Tern.Interop.Tests.Support;

/// <summary>
/// Deadlines. A passing test never waits for one to expire: it waits on the event. (Tests that assert that nothing
/// happens state their window where they use it.)
/// </summary>
internal static class Timeouts
{
    /// <summary>For something that should happen promptly on loopback: a CONNACK, a delivered message, a close.</summary>
    public static readonly TimeSpan Event = TimeSpan.FromSeconds(5);

    /// <summary>For a peer program to start, connect and run to its end.</summary>
    public static readonly TimeSpan Process = TimeSpan.FromSeconds(15);
}
