using Tern.Broker.Limits;

namespace Tern.Broker.Tests.Limits;

public sealed class FileDescriptorBudgetTests
{
    [Theory]
    [InlineData("Max open files            1024                 4096                 files     ", 1024L)]
    [InlineData("Max open files            20000                20000                files", 20000L)]
    [InlineData("Max open files            unlimited            unlimited            files", null)]
    [InlineData("Max open files", null)]
    public void The_soft_limit_is_read_from_a_proc_limits_line(string line, long? expected)
    {
        Assert.Equal(expected, FileDescriptorBudget.ParseSoftLimit(line));
    }

    [Theory]
    [InlineData(200L, 64L)]
    [InlineData(6_400L, 64L)]
    [InlineData(20_000L, 200L)]
    [InlineData(1_048_576L, 10_485L)]
    public void The_default_reserve_is_64_or_one_percent_of_the_limit(long limit, long reserve)
    {
        Assert.Equal(reserve, FileDescriptorBudget.DefaultReserve(limit));
    }

    [Fact]
    public void The_budget_is_the_limit_less_what_is_open_less_the_reserve_on_linux_and_none_elsewhere()
    {
        var budget = FileDescriptorBudget.Compute(reserve: 10);
        if (!OperatingSystem.IsLinux())
        {
            Assert.Null(budget);
            return;
        }

        Assert.NotNull(budget);
        Assert.Equal(FileDescriptorBudget.ReadSoftLimit(), budget.Value.Limit);
        Assert.InRange(budget.Value.OpenAtStart, 3, (int)budget.Value.Limit);
        Assert.Equal(10, budget.Value.Reserve);
        Assert.Equal(Math.Max(0, budget.Value.Limit - budget.Value.OpenAtStart - 10), budget.Value.Connections);
    }
}
