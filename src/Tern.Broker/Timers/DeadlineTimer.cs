namespace Tern.Broker.Timers;

/// <summary>
/// Runs a callback once, after a delay that may be far longer than a .NET timer's limit of about 49 days (a Session
/// Expiry Interval can be 136 years): the timer is re-armed in steps of at most 20 days until the deadline.
/// </summary>
internal sealed class DeadlineTimer : IDisposable
{
    private static readonly TimeSpan MaxStep = TimeSpan.FromDays(20);

    private readonly TimeProvider _time;
    private readonly long _deadline;
    private readonly Action _callback;
    private readonly ITimer _timer;

    public DeadlineTimer(TimeProvider time, TimeSpan delay, Action callback)
    {
        _time = time;
        _callback = callback;
        _deadline = time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);
        _timer = time.CreateTimer(_ => OnTick(), null, Step(delay), Timeout.InfiniteTimeSpan);
    }

    public void Dispose() => _timer.Dispose();

    private void OnTick()
    {
        var left = _time.GetElapsedTime(_time.GetTimestamp(), _deadline);
        if (left > TimeSpan.Zero)
        {
            _timer.Change(Step(left), Timeout.InfiniteTimeSpan);
            return;
        }

        _callback();
    }

    private static TimeSpan Step(TimeSpan left) => left < MaxStep ? left : MaxStep;
}
