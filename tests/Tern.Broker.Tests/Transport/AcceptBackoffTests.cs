using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Transport;

namespace Tern.Broker.Tests.Transport;

/// <summary>
/// The accept loops' answer to failing accepts (out of descriptors, buffers or memory): a growing wait, one warning per
/// episode and at most one a minute (event 3010), one line when accepting works again (event 3011).
/// </summary>
public sealed class AcceptBackoffTests
{
    [Fact]
    public void Failed_accepts_wait_10_ms_doubling_to_1_s_and_warn_once_for_the_episode()
    {
        var log = new RecordingLogger();
        var backoff = new AcceptBackoff(log, "mqtt-test", new FakeTimeProvider());

        var delays = Enumerable.Range(0, 9).Select(_ => backoff.Failed("Too many open files")).ToArray();

        Assert.Equal([10, 20, 40, 80, 160, 320, 640, 1000, 1000], delays.Select(d => (int)d.TotalMilliseconds));
        var warning = Assert.Single(log.Lines);
        Assert.Equal("Warning 3010 Listener mqtt-test cannot accept connections: Too many open files; retrying with a back-off of up to 1000 ms (logged at most once a minute)", warning);
    }

    [Fact]
    public void An_accept_after_a_warned_episode_reports_how_many_failed_and_restarts_the_wait_at_10_ms()
    {
        var log = new RecordingLogger();
        var backoff = new AcceptBackoff(log, "mqtt-test", new FakeTimeProvider());
        for (int i = 0; i < 5; i++)
        {
            backoff.Failed("Too many open files");
        }

        backoff.Succeeded();
        backoff.Succeeded();

        Assert.Equal(2, log.Lines.Count);
        Assert.Equal("Information 3011 Listener mqtt-test accepts connections again (5 accepts failed since the warning)", log.Lines[1]);
        Assert.Equal(TimeSpan.FromMilliseconds(10), backoff.Failed("Too many open files"));
    }

    [Fact]
    public void A_new_episode_within_a_minute_is_not_logged_again_and_one_after_a_minute_is()
    {
        var log = new RecordingLogger();
        var time = new FakeTimeProvider();
        var backoff = new AcceptBackoff(log, "mqtt-test", time);
        backoff.Failed("Too many open files");
        backoff.Succeeded();

        // At the limit, accepts alternate with failures as connections end: no line each time.
        time.Advance(TimeSpan.FromSeconds(59));
        backoff.Failed("Too many open files");
        backoff.Succeeded();
        Assert.Equal(2, log.Lines.Count);

        time.Advance(TimeSpan.FromSeconds(1));
        backoff.Failed("No buffer space available");
        Assert.Equal(3, log.Lines.Count);
        Assert.Contains("No buffer space available", log.Lines[2], StringComparison.Ordinal);
    }

    [Fact]
    public void Accepts_that_never_failed_log_nothing()
    {
        var log = new RecordingLogger();
        var backoff = new AcceptBackoff(log, "mqtt-test", new FakeTimeProvider());

        backoff.Succeeded();

        Assert.Empty(log.Lines);
    }

    private sealed class RecordingLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add($"{logLevel} {eventId.Id} {formatter(state, exception)}");
    }
}
