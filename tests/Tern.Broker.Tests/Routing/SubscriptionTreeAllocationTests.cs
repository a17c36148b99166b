using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

public class SubscriptionTreeAllocationTests
{
    [Fact]
    public void Match_and_collapse_allocate_nothing_after_warm_up_with_1000_subscribers()
    {
        var tree = new SubscriptionTree<TestSession>();
        var sessions = Enumerable.Range(0, 1_000).Select(i => new TestSession($"d{i}")).ToArray();
        for (int i = 0; i < sessions.Length; i++)
        {
            tree.SubscribeTo($"devices/{i}/state", sessions[i], QualityOfService.AtLeastOnce, subscriptionIdentifier: i + 1);
        }

        // Overlapping wildcards (some from the same sessions, so the collapse merges) and a shared group.
        for (int i = 0; i < 10; i++)
        {
            tree.SubscribeTo("devices/+/state", sessions[i], QualityOfService.ExactlyOnce, subscriptionIdentifier: 5_000 + i);
        }

        for (int i = 0; i < 5; i++)
        {
            tree.SubscribeTo("devices/#", sessions[i * 100]);
        }

        for (int i = 0; i < 3; i++)
        {
            tree.SubscribeTo("$share/workers/devices/+/state", sessions[i * 7]);
        }

        byte[][] topics = [.. Enumerable.Range(0, sessions.Length).Select(i => TreeTestSupport.Utf8($"devices/{i}/state"))];
        var collector = new SubscriptionCollector<TestSession>();
        int expectedTotal = 0;
        foreach (var topic in topics)
        {
            tree.Match(topic, collector, publisher: sessions[0]);
            collector.CollapsePerSubscriber();
            expectedTotal += collector.Count;
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        int total = 0;
        for (int round = 0; round < 10; round++)
        {
            foreach (var topic in topics)
            {
                tree.Match(topic, collector, publisher: sessions[0]);
                collector.CollapsePerSubscriber();
                total += collector.Count;
            }
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(10 * expectedTotal, total);
        // Per topic after the collapse: the 14 distinct wildcard subscribers (devices 0-9 on +, 0/100/200/300/400 on #),
        // the topic's own device unless it is one of those 14, and one worker of the shared group.
        Assert.Equal((1_000 * 14) + (1_000 - 14) + 1_000, expectedTotal);
    }
}
