using Microsoft.AspNetCore.Connections;
using Tern.Broker.Diagnostics;
using Tern.Broker.Limits;

namespace Tern.Broker.Connections;

/// <summary>
/// The connection's share of overload protection: the outbound byte bound for slow consumers (QoS 0 shed, counted),
/// the slow-consumer timeout (a writer stalled on a client that takes no bytes), and the inbound publish rate, which
/// pauses reading instead of refusing messages.
/// </summary>
internal sealed partial class MqttConnection
{
    // Under memory pressure, a connection with more than this waiting counts as slow and its QoS 0 messages are shed.
    private const long MemoryShedThreshold = 64 * 1024;

    // A shedding episode ends after this long without a drop; the next drop is logged again.
    private static readonly TimeSpan SheddingQuietPeriod = TimeSpan.FromSeconds(10);

    private long _maxOutboundBytes;
    private long _outboundBytes;
    private long _lastShedAt;
    private long _flushStartedAt;
    private int _slowConsumerClosed;
    private bool _publishRateLimited;
    private TokenBucket? _publishMessages;
    private TokenBucket? _publishBytes;
    private int _rateEpisode;
    private TaskCompletionSource? _closing;

    /// <summary>Bytes queued for this client and not yet taken by the transport.</summary>
    public long OutboundBytes => Volatile.Read(ref _outboundBytes);

    /// <summary>True while the writer waits for the transport to take bytes (the client is not reading).</summary>
    public bool IsWriteStalled => Volatile.Read(ref _flushStartedAt) != 0;

    /// <summary>
    /// Called by the heartbeat: a writer that has waited longer than <see cref="BrokerOptions.SlowConsumerTimeout"/> for
    /// the client to take any bytes is closed by aborting the transport (a DISCONNECT could not reach it anyway).
    /// </summary>
    public void CheckSlowConsumer(long now)
    {
        var timeout = _engine.Options.SlowConsumerTimeout;
        long started = Volatile.Read(ref _flushStartedAt);
        if (timeout <= TimeSpan.Zero || started == 0)
        {
            return;
        }

        var stalled = _engine.TimeProvider.GetElapsedTime(started, now);
        if (stalled >= timeout && Interlocked.Exchange(ref _slowConsumerClosed, 1) == 0)
        {
            _engine.Limits.Hit(LimitNames.SlowConsumer);
            BrokerLog.SlowConsumerDisconnected(_engine.Logger, _channel.ClientId, RemoteEndPoint, stalled.TotalSeconds);
            RequestClose();
            _context.Abort(new ConnectionAbortedException("The client took no bytes within SlowConsumerTimeout."));
        }
    }

    private void InitializeLimits()
    {
        var options = _engine.Options;
        _maxOutboundBytes = options.MaxOutboundBytes;
        if (options.MaxPublishRatePerClient > 0)
        {
            _publishMessages = new TokenBucket(options.MaxPublishRatePerClient, options.MaxPublishRatePerClient, _engine.TimeProvider);
        }

        if (options.MaxPublishBytesRatePerClient > 0)
        {
            _publishBytes = new TokenBucket(options.MaxPublishBytesRatePerClient, options.MaxPublishBytesRatePerClient, _engine.TimeProvider);
        }

        _publishRateLimited = _publishMessages is not null || _publishBytes is not null;
        if (_publishRateLimited)
        {
            _closing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
    }

    /// <summary>
    /// Whether a QoS 0 PUBLISH of <paramref name="size"/> bytes is dropped instead of queued, and by which limit: the
    /// client is so far behind that the queue would pass <see cref="BrokerOptions.MaxOutboundBytes"/>, or the memory
    /// guard is on and the client has a backlog. Called under the queue's lock; <see cref="NoteShed"/> counts it after.
    /// </summary>
    private string? ShedLimit(int size)
    {
        long queued = _outboundBytes;
        if (_maxOutboundBytes > 0 && queued + size > _maxOutboundBytes)
        {
            return LimitNames.OutboundBytes;
        }

        return queued > MemoryShedThreshold && _engine.Limits.Memory.IsOverLimit ? LimitNames.Memory : null;
    }

    /// <summary>Counts a shed QoS 0 message every time, and logs it once per episode.</summary>
    private void NoteShed(string limit)
    {
        _engine.Limits.Hit(limit);
        _engine.Metrics.MessageDropped(limit == LimitNames.Memory ? "memory" : "slow_consumer");
        long now = _engine.TimeProvider.GetTimestamp();
        long last = Interlocked.Exchange(ref _lastShedAt, now);
        if (limit == LimitNames.OutboundBytes && (last == 0 || _engine.TimeProvider.GetElapsedTime(last, now) >= SheddingQuietPeriod))
        {
            BrokerLog.OutboundBytesExceeded(_engine.Logger, _channel.ClientId, _maxOutboundBytes);
        }
    }

    // The transport's buffer is full when a flush does not complete at once: the client is not taking bytes. The
    // heartbeat measures the stall from here (a timestamp of 0 means "not stalled", hence the Max).
    private void NoteFlushStarted(bool completed)
    {
        if (!completed)
        {
            Volatile.Write(ref _flushStartedAt, Math.Max(1, _engine.TimeProvider.GetTimestamp()));
        }
    }

    private void NoteFlushEnded() => Volatile.Write(ref _flushStartedAt, 0);

    /// <summary>
    /// Takes one message and <paramref name="bytes"/> from the client's publish budget; false (without taking) when a
    /// budget is spent, and reading pauses. The first pause of an episode is logged; each is counted.
    /// </summary>
    private bool TryTakePublishBudget(int bytes)
    {
        long now = _engine.TimeProvider.GetTimestamp();
        string? spent = _publishMessages is { } messages && !messages.HasToken(now) ? LimitNames.PublishRate
            : _publishBytes is { } budget && !budget.HasToken(now) ? LimitNames.PublishBytesRate
            : null;
        if (spent is not null)
        {
            _engine.Limits.Hit(spent);
            if (Interlocked.Exchange(ref _rateEpisode, 1) == 0)
            {
                var options = _engine.Options;
                bool messageRate = spent == LimitNames.PublishRate;
                BrokerLog.PublishRateExceeded(
                    _engine.Logger,
                    _channel.ClientId,
                    messageRate ? nameof(BrokerOptions.MaxPublishRatePerClient) : nameof(BrokerOptions.MaxPublishBytesRatePerClient),
                    messageRate ? options.MaxPublishRatePerClient : options.MaxPublishBytesRatePerClient);
            }

            return false;
        }

        if (Volatile.Read(ref _rateEpisode) != 0 && (_publishMessages?.IsFull(now) ?? true) && (_publishBytes?.IsFull(now) ?? true))
        {
            Volatile.Write(ref _rateEpisode, 0);
        }

        _publishMessages?.Take(1, now);
        _publishBytes?.Take(bytes, now);
        return true;
    }

    /// <summary>Waits until the publish budget has a token again; false when the connection closed meanwhile.</summary>
    private async Task<bool> PauseForPublishRateAsync()
    {
        long now = _engine.TimeProvider.GetTimestamp();
        var wait = TimeSpan.Zero;
        if (_publishMessages is { } messages)
        {
            wait = messages.TimeUntilToken(now);
        }

        if (_publishBytes is { } bytes && bytes.TimeUntilToken(now) > wait)
        {
            wait = bytes.TimeUntilToken(now);
        }

        var delay = Task.Delay(wait, _engine.TimeProvider);
        return await Task.WhenAny(delay, _closing!.Task).ConfigureAwait(false) == delay;
    }
}
