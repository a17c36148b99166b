using Tern.Broker.Diagnostics;

namespace Tern.Broker.Tests.Operations;

/// <summary>
/// The per-core counters behind the message, byte and packet metrics: adds from threads on every core at once are all
/// counted, and negative adds take away (the message pool counts what is outstanding with them).
/// </summary>
public sealed class StripedCounterTests
{
    [Fact]
    public void Adds_from_many_threads_at_once_are_all_counted()
    {
        var counter = new StripedCounter();
        const int Threads = 8;
        const int AddsPerThread = 200_000;
        using var start = new Barrier(Threads);
        var threads = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            start.SignalAndWait();
            for (int i = 0; i < AddsPerThread; i++)
            {
                counter.Add(t % 2 == 0 ? 3 : 1);
            }
        })).ToList();

        threads.ForEach(t => t.Start());
        threads.ForEach(t => Assert.True(t.Join(TimeSpan.FromSeconds(30)), "an adding thread did not finish"));

        Assert.Equal((Threads / 2 * 3L + Threads / 2 * 1L) * AddsPerThread, counter.Value);
    }

    [Fact]
    public void Increments_and_decrements_balance_to_zero()
    {
        var counter = new StripedCounter();
        Parallel.For(0, 100_000, i =>
        {
            counter.Increment();
            counter.Add(5);
            counter.Add(-5);
            counter.Decrement();
        });

        Assert.Equal(0, counter.Value);
    }
}
