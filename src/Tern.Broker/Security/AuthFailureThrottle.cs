using System.Collections.Concurrent;
using System.Net;

namespace Tern.Broker.Security;

/// <summary>
/// Brute-force protection (RELIABILITY E13): an address that fails password authentication
/// <see cref="SecurityOptions.MaxAuthFailuresPerAddress"/> times within <see cref="SecurityOptions.AuthFailureBanDuration"/>
/// is banned for that duration: its CONNECTs are refused (5.0 CONNACK 0x8A Banned, 3.1.1 0x05) before any password is
/// checked, so guessing costs the attacker time and the broker no hashing.
/// </summary>
internal sealed class AuthFailureThrottle(SecurityOptions options, TimeProvider time)
{
    /// <summary>Past this many tracked addresses, stale entries are swept on the next failure: the table stays bounded.</summary>
    private const int SweepThreshold = 4096;

    private readonly ConcurrentDictionary<IPAddress, Entry> _entries = new();

    /// <summary>True while the address of <paramref name="endPoint"/> is banned.</summary>
    public bool IsBanned(EndPoint? endPoint)
    {
        if (options.MaxAuthFailuresPerAddress <= 0 || Address(endPoint) is not { } address || !_entries.TryGetValue(address, out var entry))
        {
            return false;
        }

        lock (entry)
        {
            return entry.BannedUntil > time.GetTimestamp();
        }
    }

    /// <summary>Counts one failed authentication; returns true when this failure starts a ban (log it once).</summary>
    public bool RecordFailure(EndPoint? endPoint)
    {
        if (options.MaxAuthFailuresPerAddress <= 0 || Address(endPoint) is not { } address)
        {
            return false;
        }

        long now = time.GetTimestamp();
        if (_entries.Count > SweepThreshold)
        {
            Sweep(now);
        }

        var entry = _entries.GetOrAdd(address, static _ => new Entry());
        lock (entry)
        {
            if (entry.Failures == 0 || time.GetElapsedTime(entry.WindowStart, now) > options.AuthFailureBanDuration)
            {
                entry.Failures = 0;
                entry.WindowStart = now;
            }

            entry.Failures++;
            if (entry.Failures < options.MaxAuthFailuresPerAddress || entry.BannedUntil > now)
            {
                return false;
            }

            entry.BannedUntil = now + (long)(options.AuthFailureBanDuration.TotalSeconds * time.TimestampFrequency);
            entry.Failures = 0;
            return true;
        }
    }

    private void Sweep(long now)
    {
        foreach (var (address, entry) in _entries)
        {
            lock (entry)
            {
                if (entry.BannedUntil <= now && time.GetElapsedTime(entry.WindowStart, now) > options.AuthFailureBanDuration)
                {
                    _entries.TryRemove(address, out _);
                }
            }
        }
    }

    private static IPAddress? Address(EndPoint? endPoint) => endPoint is IPEndPoint ip ? ip.Address : null;

    private sealed class Entry
    {
        public int Failures;
        public long WindowStart;
        public long BannedUntil;
    }
}
