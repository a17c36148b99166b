using System.Collections.Concurrent;
using System.Net;
using Microsoft.Extensions.Logging;
using Tern.Broker.Diagnostics;

namespace Tern.Broker.Limits;

/// <summary>
/// The broker-wide limits: connections open (over all listeners and per listener), the connection rate per source
/// address and the memory guard, checked when a connection is accepted, before any MQTT byte is read; and the one
/// place where every limit hit is counted (<c>tern.limits.hits{limit}</c>).
/// </summary>
internal sealed class BrokerLimits
{
    private readonly BrokerOptions _options;
    private readonly BrokerMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConnectionRateLimiter? _rate;
    private readonly ConcurrentDictionary<MqttListenerOptions, ListenerCount> _listeners = new(ReferenceEqualityComparer.Instance);
    private readonly LimitEpisode _connectionsEpisode = new();
    private readonly LimitEpisode _memoryEpisode = new();
    private readonly LimitEpisode _fileLimitEpisode = new();
    private readonly int? _fileLimitConnections;
    private int _open;

    public BrokerLimits(BrokerOptions options, TimeProvider time, BrokerMetrics metrics, ILogger logger)
    {
        _options = options;
        _metrics = metrics;
        _logger = logger;
        _rate = options.MaxConnectionRatePerAddress > 0 ? new ConnectionRateLimiter(options.MaxConnectionRatePerAddress, time) : null;
        Memory = new MemoryGuard(options.MemoryLimitBytes);

        // Measured once, at start: the descriptors the process holds then (runtime, listeners) stay roughly constant.
        if (FileDescriptorBudget.Compute(options.FileDescriptorReserve) is { } budget)
        {
            _fileLimitConnections = budget.Connections;
            if (options.MaxConnections == 0 || budget.Connections < options.MaxConnections)
            {
                BrokerLog.FileLimitBudget(_logger, budget.Connections, budget.Limit, budget.OpenAtStart, budget.Reserve);
            }
        }
    }

    /// <summary>
    /// The connections the process's file limit leaves room for (see <see cref="FileDescriptorBudget"/>), or null when
    /// there is no such budget (not Linux, or no limit).
    /// </summary>
    public int? FileLimitConnections => _fileLimitConnections;

    /// <summary>The memory guard; its flag is read on hot paths.</summary>
    public MemoryGuard Memory { get; }

    /// <summary>Connections admitted and not yet released.</summary>
    public int OpenConnections => Volatile.Read(ref _open);

    /// <summary>Source addresses the connection-rate limiter tracks now.</summary>
    public int TrackedAddresses => _rate?.TrackedAddresses ?? 0;

    /// <summary>
    /// Decides whether a just-accepted connection may proceed: memory, rate per address, then the broker-wide and the
    /// listener's connection counts. True admits it and counts it open until <see cref="Release"/>.
    /// </summary>
    public bool TryAdmit(MqttListenerOptions listener, EndPoint? remote)
    {
        if (Memory.IsOverLimit)
        {
            Hit(LimitNames.Memory);
            return false;
        }

        if (_rate is not null && remote is IPEndPoint ip && !_rate.TryAcquire(ip.Address, out bool firstRefusal))
        {
            Hit(LimitNames.ConnectionRate);
            if (firstRefusal)
            {
                BrokerLog.ConnectionRateExceeded(_logger, ip.Address.ToString(), _options.MaxConnectionRatePerAddress);
            }

            return false;
        }

        int open = Interlocked.Increment(ref _open);
        if (_options.MaxConnections > 0 && open > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            Hit(LimitNames.Connections);
            if (_connectionsEpisode.TryBegin())
            {
                BrokerLog.ConnectionLimitReached(_logger, _options.MaxConnections);
            }

            return false;
        }

        if (open > _fileLimitConnections)
        {
            Interlocked.Decrement(ref _open);
            Hit(LimitNames.FileLimit);
            if (_fileLimitEpisode.TryBegin())
            {
                BrokerLog.FileLimitReached(_logger, _fileLimitConnections.GetValueOrDefault());
            }

            return false;
        }

        if (listener.MaxConnections > 0)
        {
            var count = _listeners.GetOrAdd(listener, static _ => new ListenerCount());
            if (Interlocked.Increment(ref count.Open) > listener.MaxConnections)
            {
                Interlocked.Decrement(ref count.Open);
                Interlocked.Decrement(ref _open);
                Hit(LimitNames.ListenerConnections);
                if (count.Episode.TryBegin())
                {
                    BrokerLog.ListenerConnectionLimitReached(_logger, listener.DisplayName, listener.MaxConnections);
                }

                return false;
            }
        }

        return true;
    }

    /// <summary>A connection admitted by <see cref="TryAdmit"/> has ended.</summary>
    public void Release(MqttListenerOptions listener)
    {
        Interlocked.Decrement(ref _open);
        if (listener.MaxConnections > 0 && _listeners.TryGetValue(listener, out var count))
        {
            Interlocked.Decrement(ref count.Open);
        }
    }

    /// <summary>Counts one hit of <paramref name="limit"/> (a <see cref="LimitNames"/> value).</summary>
    public void Hit(string limit) => _metrics.LimitHit(limit);

    /// <summary>
    /// Called by the heartbeat: samples memory (logging the start and end of an episode), forgets calm addresses, and
    /// ends the connection-count episodes whose pressure is gone, so the next refusal is logged again.
    /// </summary>
    public void OnHeartbeat()
    {
        switch (Memory.Check(out long used))
        {
            case 1:
                _memoryEpisode.TryBegin();
                BrokerLog.MemoryLimitExceeded(_logger, used, Memory.Limit);
                break;
            case -1:
                _memoryEpisode.End();
                BrokerLog.MemoryBackUnderLimit(_logger, used, Memory.Limit);
                break;
        }

        _rate?.Prune();
        if (_connectionsEpisode.IsActive && OpenConnections < _options.MaxConnections)
        {
            _connectionsEpisode.End();
        }

        if (_fileLimitEpisode.IsActive && OpenConnections < _fileLimitConnections)
        {
            _fileLimitEpisode.End();
        }

        foreach (var (listener, count) in _listeners)
        {
            if (count.Episode.IsActive && Volatile.Read(ref count.Open) < listener.MaxConnections)
            {
                count.Episode.End();
            }
        }
    }

    private sealed class ListenerCount
    {
        public int Open;

        public LimitEpisode Episode { get; } = new();
    }
}
