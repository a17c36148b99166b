using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Transport;

/// <summary>
/// What an accept loop does about failing accepts. Out of file descriptors (EMFILE), buffers or memory, the pending
/// connection stays in the kernel's backlog, so retrying at once would spin: wait 10 ms, doubling to at most 1 s, and
/// log the episode once (event 3010, at most once a minute: at the limit accepts alternate with failures as connections
/// end), then its end with the number of failed accepts (event 3011).
/// </summary>
/// <remarks>The clock only spaces the warnings; the waits themselves are the caller's (wall-clock: this is the
/// operating system's state, not protocol timing).</remarks>
internal struct AcceptBackoff(ILogger logger, string listener, TimeProvider time)
{
    /// <summary>The longest wait between two attempts.</summary>
    public static readonly TimeSpan MaximumDelay = TimeSpan.FromSeconds(1);

    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan WarningInterval = TimeSpan.FromMinutes(1);

    private int _failures;
    private long _lastWarning;
    private bool _everWarned;
    private bool _warned;
    private int _failedSinceWarning;
    private TimeSpan _delay = FirstDelay;

    /// <summary>Notes a failed accept (<paramref name="reason"/> for the log); returns how long to wait before the next.</summary>
    public TimeSpan Failed(string reason)
    {
        _failedSinceWarning++;
        if (_failures++ == 0 && (!_everWarned || time.GetElapsedTime(_lastWarning) >= WarningInterval))
        {
            _lastWarning = time.GetTimestamp();
            _everWarned = true;
            _warned = true;
            _failedSinceWarning = 1;
            BrokerLog.AcceptFailing(logger, listener, reason, (int)MaximumDelay.TotalMilliseconds);
        }

        var delay = _delay;
        _delay = TimeSpan.FromTicks(Math.Min(_delay.Ticks * 2, MaximumDelay.Ticks));
        return delay;
    }

    /// <summary>Notes a successful accept: a warned episode is reported over, and the next failure starts a new one.</summary>
    public void Succeeded()
    {
        if (_failures == 0)
        {
            return;
        }

        if (_warned)
        {
            BrokerLog.AcceptRecovered(logger, listener, _failedSinceWarning);
            _warned = false;
            _failedSinceWarning = 0;
        }

        _failures = 0;
        _delay = FirstDelay;
    }
}
