namespace Tern.Broker.Limits;

/// <summary>
/// A token bucket on a <see cref="TimeProvider"/>: refills at <c>rate</c> tokens a second up to <c>capacity</c>. Taking
/// may go into debt (a message larger than the bucket still passes, and the debt is paid by waiting). Not thread-safe:
/// callers own it from one thread or lock around it.
/// </summary>
internal sealed class TokenBucket
{
    // Refilling in steps of floating-point seconds may land a hair below a whole token; that counts as whole.
    private const double Epsilon = 1e-6;

    private readonly double _rate;
    private readonly double _capacity;
    private readonly TimeProvider _time;
    private double _tokens;
    private long _refilledAt;

    public TokenBucket(double ratePerSecond, double capacity, TimeProvider time)
    {
        _rate = ratePerSecond;
        _capacity = capacity;
        _time = time;
        _tokens = capacity;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>Whether at least one token is there, after refilling to <paramref name="now"/>.</summary>
    public bool HasToken(long now)
    {
        Refill(now);
        return _tokens >= 1 - Epsilon;
    }

    /// <summary>Whether the bucket is full again: no pressure left.</summary>
    public bool IsFull(long now)
    {
        Refill(now);
        return _tokens >= _capacity - Epsilon;
    }

    /// <summary>Takes <paramref name="amount"/> tokens if there is at least one; returns whether it did.</summary>
    public bool TryTake(double amount, long now)
    {
        Refill(now);
        if (_tokens < 1 - Epsilon)
        {
            return false;
        }

        _tokens -= amount;
        return true;
    }

    /// <summary>Takes <paramref name="amount"/> tokens, going into debt if need be.</summary>
    public void Take(double amount, long now)
    {
        Refill(now);
        _tokens -= amount;
    }

    /// <summary>How long until there is one token again; zero when there is one now.</summary>
    public TimeSpan TimeUntilToken(long now)
    {
        Refill(now);
        return _tokens >= 1 - Epsilon ? TimeSpan.Zero : TimeSpan.FromSeconds((1 - _tokens) / _rate);
    }

    private void Refill(long now)
    {
        double elapsed = _time.GetElapsedTime(_refilledAt, now).TotalSeconds;
        if (elapsed > 0)
        {
            _tokens = Math.Min(_capacity, _tokens + (elapsed * _rate));
            _refilledAt = now;
        }
    }
}
