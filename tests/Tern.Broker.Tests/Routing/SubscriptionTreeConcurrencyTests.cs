using System.Collections.Concurrent;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

public class SubscriptionTreeConcurrencyTests
{
    private const int StableTopics = 10;
    private const int WriterIterations = 20_000;
    private const int Readers = 3;

    [Fact]
    public async Task Readers_matching_during_writes_always_see_every_subscription_no_write_touches()
    {
        var tree = new SubscriptionTree<TestSession>();
        var exact = Enumerable.Range(0, StableTopics).Select(i => new TestSession($"exact{i}")).ToArray();
        var watcher = new TestSession("watcher");
        var everything = new TestSession("everything");
        var workers = new[] { new TestSession("worker0"), new TestSession("worker1") };
        for (int i = 0; i < StableTopics; i++)
        {
            tree.SubscribeTo($"s/{i}", exact[i], QualityOfService.AtLeastOnce, subscriptionIdentifier: i + 1);
        }

        tree.SubscribeTo("s/+", watcher);
        tree.SubscribeTo("#", everything);
        foreach (var worker in workers)
        {
            tree.SubscribeTo("$share/g/s/+", worker);
        }

        int stableCount = tree.Count;
        int stableNodes = tree.NodeCount;
        var churn = Enumerable.Range(0, 16).Select(i => new TestSession($"churn{i}")).ToArray();
        var known = new HashSet<TestSession>(exact.Concat(churn).Concat(workers).Append(watcher).Append(everything));
        var failures = new ConcurrentQueue<string>();
        using var started = new CountdownEvent(Readers);
        int writerDone = 0;
        long matches = 0;

        var readers = Enumerable.Range(0, Readers).Select(r => Task.Run(() =>
        {
            var collector = new SubscriptionCollector<TestSession>();
            started.Signal();
            for (int n = 0; Volatile.Read(ref writerDone) == 0 && failures.IsEmpty; n++)
            {
                int j = (n + r) % StableTopics;
                tree.Match(TreeTestSupport.Utf8($"s/{j}"), collector);
                Check(collector, j);
                Interlocked.Increment(ref matches);
            }
        })).ToArray();

        void Check(SubscriptionCollector<TestSession> collector, int j)
        {
            int exactSeen = 0, watcherSeen = 0, everythingSeen = 0, groupSeen = 0;
            foreach (var match in collector.Matches)
            {
                if (!known.Contains(match.Subscriber))
                {
                    failures.Enqueue($"unknown subscriber {match.Subscriber}");
                }

                if (match.IsShared && match.SharedGroup!.ShareName.SequenceEqual("g"u8))
                {
                    groupSeen++;
                }
                else if (ReferenceEquals(match.Subscriber, exact[j]))
                {
                    exactSeen++;
                    if (match.GrantedQoS != QualityOfService.AtLeastOnce || match.Options.SubscriptionIdentifier != j + 1)
                    {
                        failures.Enqueue($"exact{j} seen with changed options {match.Options}");
                    }
                }
                else if (ReferenceEquals(match.Subscriber, watcher))
                {
                    watcherSeen++;
                }
                else if (ReferenceEquals(match.Subscriber, everything))
                {
                    everythingSeen++;
                }
            }

            if (exactSeen != 1 || watcherSeen != 1 || everythingSeen != 1 || groupSeen != 1)
            {
                failures.Enqueue($"s/{j}: exact {exactSeen}, watcher {watcherSeen}, everything {everythingSeen}, group {groupSeen}");
            }
        }

        started.Wait();
        var random = new Random(12345);
        for (int i = 0; i < WriterIterations && failures.IsEmpty; i++)
        {
            var session = churn[random.Next(churn.Length)];
            switch (random.Next(8))
            {
                case 0:
                    // Same node as a stable subscription: its array is copied around it.
                    tree.SubscribeTo($"s/{random.Next(StableTopics)}", session);
                    break;
                case 1:
                    // Creates and prunes siblings, so s/ switches between an array and a dictionary of children.
                    tree.SubscribeTo($"s/wide{random.Next(40)}", session);
                    break;
                case 2:
                    tree.SubscribeTo(random.Next(2) == 0 ? "s/+" : "s/#", session, (QualityOfService)random.Next(3));
                    break;
                case 3:
                    tree.SubscribeTo("$share/g/s/+", session);
                    break;
                case 4:
                    tree.SubscribeTo($"deep/{random.Next(5)}/+/x/{random.Next(5)}", session);
                    break;
                case 5:
                    tree.UnsubscribeFrom($"s/wide{random.Next(40)}", session);
                    break;
                case 6:
                    tree.UnsubscribeFrom($"s/{random.Next(StableTopics)}", session);
                    tree.UnsubscribeFrom("$share/g/s/+", session);
                    break;
                default:
                    tree.RemoveAll(session);
                    break;
            }
        }

        Volatile.Write(ref writerDone, 1);
        await Task.WhenAll(readers);

        foreach (var session in churn)
        {
            tree.RemoveAll(session);
        }

        Assert.Empty(failures);
        Assert.True(Interlocked.Read(ref matches) > 0);
        Assert.Equal(stableCount, tree.Count);
        Assert.Equal(stableNodes, tree.NodeCount);
        Assert.Equal(StableTopics + 1 + 1 + workers.Length, tree.SubscriberCount);
        var collector = new SubscriptionCollector<TestSession>();
        for (int j = 0; j < StableTopics; j++)
        {
            tree.Match(TreeTestSupport.Utf8($"s/{j}"), collector);
            Assert.Equal(4, collector.Count);
            Check(collector, j);
        }

        Assert.Empty(failures);
    }
}
