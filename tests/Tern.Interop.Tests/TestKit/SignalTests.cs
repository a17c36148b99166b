using Tern.TestKit;

namespace Tern.Interop.Tests.TestKit;

public sealed class SignalTests
{
    [Fact]
    public async Task A_signal_set_before_the_wait_completes_the_wait()
    {
        var signal = new Signal("something");
        signal.Set();

        await signal.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.True(signal.IsSet);
    }

    [Fact]
    public async Task A_signal_never_set_fails_the_wait_with_its_description()
    {
        var signal = new Signal("the will message");

        var failure = await Assert.ThrowsAsync<ExpectationFailedException>(() => signal.WaitAsync(TimeSpan.FromMilliseconds(50)));

        Assert.Contains("the will message", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_signal_with_a_value_keeps_the_first_value_set()
    {
        var signal = new Signal<int>("a number");

        Assert.True(signal.Set(1));
        Assert.False(signal.Set(2));

        Assert.Equal(1, await signal.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task A_failed_signal_rethrows_the_failure_to_the_waiter()
    {
        var signal = new Signal<int>("a number");
        signal.Fail(new InvalidOperationException("callback saw garbage"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => signal.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
