using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

/// <summary>The router matches every PUBLISH: matching and validation must allocate nothing (STYLE lesson 7, Garnet).</summary>
public class TopicAllocationTests
{
    private static readonly byte[] Topic = "sport/tennis/player1/score/wimbledon"u8.ToArray();
    private static readonly byte[] Exact = "sport/tennis/player1/score/wimbledon"u8.ToArray();
    private static readonly byte[] Plus = "sport/+/player1/+/wimbledon"u8.ToArray();
    private static readonly byte[] Hash = "sport/tennis/#"u8.ToArray();
    private static readonly byte[] Dollar = "$SYS/broker/uptime"u8.ToArray();
    private static readonly byte[] Shared = "$share/g/sport/+/player1/#"u8.ToArray();

    private static int MatchAll(int rounds)
    {
        int matches = 0;
        for (int i = 0; i < rounds; i++)
        {
            matches += TopicFilter.IsMatch(Exact, Topic) ? 1 : 0;
            matches += TopicFilter.IsMatch(Plus, Topic) ? 1 : 0;
            matches += TopicFilter.IsMatch(Hash, Topic) ? 1 : 0;
            matches += TopicFilter.IsMatch("#"u8, Dollar) ? 1 : 0;
        }

        return matches;
    }

    [Fact]
    public void A_thousand_IsMatch_calls_allocate_nothing_after_warm_up()
    {
        MatchAll(1_000);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int matches = MatchAll(250); // 1,000 calls
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(750, matches);
    }

    [Fact]
    public void Validation_parsing_and_level_enumeration_allocate_nothing_after_warm_up()
    {
        int Run()
        {
            int score = 0;
            score += TopicFilter.Validate(Plus, ProtocolVersion.V500).IsNone ? 1 : 0;
            score += TopicFilter.Validate("a/#/b"u8, ProtocolVersion.V311, maxLevels: 8).IsNone ? 0 : 1;
            score += TopicFilter.Validate(Shared, ProtocolVersion.V500, maxLevels: 8).IsNone ? 1 : 0;
            score += TopicName.Validate(Topic, ProtocolVersion.V500, maxLevels: 8).IsNone ? 1 : 0;
            score += SharedSubscription.TryParse(Shared, out _, out var inner, out _) && !inner.IsEmpty ? 1 : 0;
            foreach (var level in TopicLevels.Of(Topic))
            {
                score += level.IsEmpty ? 0 : 1;
            }

            return score;
        }

        for (int i = 0; i < 100; i++)
        {
            Run();
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int i = 0; i < 100; i++)
        {
            total += Run();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(100 * 10, total);
    }
}
