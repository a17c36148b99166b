using System.Collections.Concurrent;
using System.Net;

namespace Tern.Broker.Limits;

/// <summary>
/// <see cref="BrokerOptions.MaxConnectionRatePerAddress"/>: one token bucket per source IP address, with a burst of one
/// second's worth. Addresses whose bucket is full again are forgotten by the heartbeat, so the table holds only
/// addresses seen in about the last second, however many a flood comes from.
/// </summary>
internal sealed class ConnectionRateLimiter(int ratePerSecond, TimeProvider time)
{
    private readonly ConcurrentDictionary<IPAddress, Entry> _addresses = new();

    /// <summary>Addresses tracked now.</summary>
    public int TrackedAddresses => _addresses.Count;

    /// <summary>
    /// Takes a token for a new connection from <paramref name="address"/>. Returns false when the address is over its
    /// rate; <paramref name="firstInEpisode"/> then says whether this is the first refusal since the address calmed down.
    /// </summary>
    public bool TryAcquire(IPAddress address, out bool firstInEpisode)
    {
        firstInEpisode = false;
        long now = time.GetTimestamp();
        var entry = _addresses.GetOrAdd(address, static (_, limiter) => new Entry(new TokenBucket(limiter.Rate, limiter.Rate, limiter.Time)), this);
        lock (entry)
        {
            if (entry.Bucket.TryTake(1, now))
            {
                return true;
            }

            firstInEpisode = !entry.Refused;
            entry.Refused = true;
            return false;
        }
    }

    /// <summary>Forgets addresses whose bucket has refilled: they are no longer limited, and their next refusal is logged again.</summary>
    public void Prune()
    {
        long now = time.GetTimestamp();
        foreach (var (address, entry) in _addresses)
        {
            bool idle;
            lock (entry)
            {
                idle = entry.Bucket.IsFull(now);
            }

            if (idle)
            {
                _addresses.TryRemove(new KeyValuePair<IPAddress, Entry>(address, entry));
            }
        }
    }

    private int Rate => ratePerSecond;

    private TimeProvider Time => time;

    private sealed class Entry(TokenBucket bucket)
    {
        public TokenBucket Bucket { get; } = bucket;

        public bool Refused { get; set; }
    }
}
