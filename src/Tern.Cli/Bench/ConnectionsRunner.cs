using System.Diagnostics;
using System.Net;

namespace Tern.Cli.Bench;

/// <summary>
/// The connections scenario: open N idle connections (TCP + CONNECT + CONNACK, keep alive 0, so neither side sends
/// anything afterwards), a bounded number at a time and from several source addresses, then report how many the
/// broker accepted and how fast. The result is printed while the connections are still open; they are held for
/// <see cref="BenchSettings.Hold"/> so another program can read the broker's memory, then closed.
/// </summary>
internal sealed class ConnectionsRunner
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);

    private readonly BenchSettings _settings;
    private readonly EndPoint _broker;
    private readonly IBenchProgress _progress;

    public ConnectionsRunner(BenchSettings settings, EndPoint broker, IBenchProgress progress)
    {
        _settings = settings;
        _broker = broker;
        _progress = progress;
    }

    /// <summary>Opens the connections, hands the result to <paramref name="report"/>, holds, closes.</summary>
    /// <exception cref="BenchException">Not a single connection succeeded: the message is the first failure's.</exception>
    public async Task<BenchResult> RunAsync(Action<BenchResult> report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        var s = _settings;
        var opened = new BenchConnection?[s.Connections];
        int connected = 0;
        int failed = 0;
        string? firstError = null;
        long lastSuccess = 0;
        _progress.Phase("connecting");
        long start = Stopwatch.GetTimestamp();
        try
        {
            var opening = OpenOnThreads(s.ConnectConcurrency, s.Connections, i =>
            {
                try
                {
                    opened[i] = Connector.OpenOne(s, _broker, i);
                    Interlocked.Increment(ref connected);
                    Interlocked.Exchange(ref lastSuccess, Stopwatch.GetTimestamp());
                }
                catch (BenchException e)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, e.Message, null);
                }
            }, cancellationToken);

            // Progress while the threads connect; the wait is bounded by the socket timeouts of each connect.
            while (!opening.IsCompleted)
            {
                await Task.WhenAny(opening, Task.Delay(Tick, cancellationToken)).ConfigureAwait(false);
                cancellationToken.ThrowIfCancellationRequested();
                _progress.Connections(Volatile.Read(ref connected), Volatile.Read(ref failed), s.Connections);
            }

            await opening.ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            _progress.Connections(connected, failed, s.Connections);
            if (connected == 0)
            {
                throw new BenchException(firstError ?? "no connection succeeded");
            }

            double seconds = Math.Max(Stopwatch.GetElapsedTime(start, lastSuccess).TotalSeconds, 1e-6);
            int stillOpen = opened.Count(c => c is not null && c.IsIdleAndOpen());
            var result = new BenchResult
            {
                Scenario = "connections",
                Broker = ThroughputRunner.Describe(_broker),
                Protocol = s.ProtocolName,
                Connections = new ConnectionsSummary(s.Connections, connected, failed, stillOpen, seconds, connected / seconds, firstError),
            };
            report(result);
            if (s.Hold > TimeSpan.Zero)
            {
                _progress.Phase("holding");
                await Task.Delay(s.Hold, cancellationToken).ConfigureAwait(false);
            }

            return result;
        }
        finally
        {
            _progress.Phase("closing");
            await Connector.CloseManyAsync(opened.OfType<BenchConnection>(), s.ConnectConcurrency).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="open"/> for 0 … <paramref name="count"/> − 1 on <paramref name="threads"/> dedicated threads
    /// (the connect concurrency), each taking the next index until none is left or the run is canceled.
    /// </summary>
    private static Task OpenOnThreads(int threads, int count, Action<int> open, CancellationToken cancellationToken)
    {
        threads = Math.Clamp(threads, 1, count);
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int next = -1;
        int running = threads;
        void Connect()
        {
            int i;
            while (!cancellationToken.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < count)
            {
                open(i);
            }

            if (Interlocked.Decrement(ref running) == 0)
            {
                done.SetResult();
            }
        }

        for (int t = 0; t < threads; t++)
        {
            new Thread(Connect, maxStackSize: 256 * 1024) { IsBackground = true, Name = "bench connector" }.Start();
        }

        return done.Task;
    }
}
