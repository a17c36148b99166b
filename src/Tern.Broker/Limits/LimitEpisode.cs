namespace Tern.Broker.Limits;

/// <summary>
/// "Log once per episode": the first hit of a limit begins an episode and is logged; later hits are only counted until
/// whoever owns the limit sees the pressure gone and ends the episode. Thread-safe.
/// </summary>
internal sealed class LimitEpisode
{
    private int _active;

    /// <summary>True while an episode runs.</summary>
    public bool IsActive => Volatile.Read(ref _active) != 0;

    /// <summary>Notes a hit; true when it begins an episode (log it), false inside one (count it only).</summary>
    public bool TryBegin() => Interlocked.Exchange(ref _active, 1) == 0;

    /// <summary>Ends the episode; returns whether one was running.</summary>
    public bool End() => Interlocked.Exchange(ref _active, 0) != 0;
}
