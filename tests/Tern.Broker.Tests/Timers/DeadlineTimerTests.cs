using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Timers;

namespace Tern.Broker.Tests.Timers;

public class DeadlineTimerTests
{
    [Fact]
    public void A_delay_beyond_the_49_day_limit_of_dotnet_timers_fires_at_its_deadline_and_not_before()
    {
        var time = new FakeTimeProvider();
        int fired = 0;
        using var timer = new DeadlineTimer(time, TimeSpan.FromDays(400), () => fired++);

        time.Advance(TimeSpan.FromDays(399.9));
        Assert.Equal(0, fired);
        time.Advance(TimeSpan.FromDays(0.1));

        Assert.Equal(1, fired);
    }

    [Fact]
    public void A_disposed_timer_never_fires()
    {
        var time = new FakeTimeProvider();
        int fired = 0;
        var timer = new DeadlineTimer(time, TimeSpan.FromSeconds(5), () => fired++);

        timer.Dispose();
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.Equal(0, fired);
    }
}
