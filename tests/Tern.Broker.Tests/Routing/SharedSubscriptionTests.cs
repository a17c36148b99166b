using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

public class SharedSubscriptionTests
{
    [Fact]
    public void A_group_delivers_each_message_to_one_member_in_turn()
    {
        var tree = new SubscriptionTree<TestSession>();
        var members = new[] { new TestSession("m0"), new TestSession("m1"), new TestSession("m2") };
        foreach (var member in members)
        {
            tree.SubscribeTo("$share/workers/jobs/+", member);
        }

        var received = new List<string>();
        for (int i = 0; i < 9; i++)
        {
            var match = Assert.Single(tree.MatchTopic($"jobs/{i}"));
            Assert.True(match.IsShared);
            Assert.Equal("workers"u8.ToArray(), match.SharedGroup!.ShareName.ToArray());
            Assert.Equal("jobs/+"u8.ToArray(), match.SharedGroup.TopicFilter.ToArray());
            received.Add(match.Subscriber.Name);
        }

        Assert.Equal(["m0", "m1", "m2", "m0", "m1", "m2", "m0", "m1", "m2"], received);
    }

    [Fact]
    public void Each_matching_group_yields_one_delivery_alongside_the_non_shared_subscriptions()
    {
        var tree = new SubscriptionTree<TestSession>();
        var a = new TestSession("a");
        var b = new TestSession("b");
        var c = new TestSession("c");
        tree.SubscribeTo("$share/g1/t/+", a);
        tree.SubscribeTo("$share/g1/t/+", b);
        tree.SubscribeTo("$share/g2/t/+", b);
        tree.SubscribeTo("$share/g2/t/+", c);
        tree.SubscribeTo("$share/g1/t/#", c);
        tree.SubscribeTo("t/x", a);

        var matches = tree.MatchTopic("t/x");

        // g1 on t/+, g2 on t/+, g1 on t/# (a different filter, so a different shared subscription), and a's own.
        Assert.Equal(4, matches.Count);
        Assert.Equal(3, matches.Count(m => m.IsShared));
        Assert.Equal(3, matches.Where(m => m.IsShared).Select(m => m.SharedGroup).Distinct().Count());
        Assert.Single(matches, m => !m.IsShared && ReferenceEquals(m.Subscriber, a));
        Assert.Equal(6, tree.Count);
    }

    [Fact]
    public void Subscribing_again_to_the_same_shared_subscription_replaces_the_membership()
    {
        var tree = new SubscriptionTree<TestSession>();
        var member = new TestSession("m");

        Assert.False(tree.SubscribeTo("$share/g/a", member, QualityOfService.AtMostOnce));
        Assert.True(tree.SubscribeTo("$share/g/a", member, QualityOfService.AtLeastOnce));

        var match = Assert.Single(tree.MatchTopic("a"));
        Assert.Equal(QualityOfService.AtLeastOnce, match.GrantedQoS);
        Assert.Equal(1, tree.Count);
    }

    [Fact]
    public void Leaving_a_group_stops_deliveries_to_that_member_and_the_last_one_out_removes_the_group()
    {
        var tree = new SubscriptionTree<TestSession>();
        var stays = new TestSession("stays");
        var leaves = new TestSession("leaves");
        tree.SubscribeTo("$share/g/a/b", stays);
        tree.SubscribeTo("$share/g/a/b", leaves);

        Assert.True(tree.UnsubscribeFrom("$share/g/a/b", leaves));
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(["stays"], tree.MatchedNames("a/b"));
        }

        Assert.True(tree.UnsubscribeFrom("$share/g/a/b", stays));
        Assert.Empty(tree.MatchTopic("a/b"));
        Assert.Equal(0, tree.NodeCount);
        Assert.Equal(0, tree.Count);
    }

    [Fact]
    public void A_custom_selector_chooses_the_member_and_may_choose_none()
    {
        var selector = new PickByName();
        var tree = new SubscriptionTree<TestSession>(selector);
        tree.SubscribeTo("$share/g/a", new TestSession("first"));
        tree.SubscribeTo("$share/g/a", new TestSession("second"));

        selector.Wanted = "second";
        Assert.Equal(["second"], tree.MatchedNames("a"));
        selector.Wanted = "nobody";
        Assert.Empty(tree.MatchTopic("a"));
        Assert.Equal("a"u8.ToArray(), selector.LastTopic);
    }

    private sealed class PickByName : ISharedSubscriptionSelector<TestSession>
    {
        public string Wanted { get; set; } = "";

        public byte[] LastTopic { get; private set; } = [];

        public int Select(SharedSubscriptionGroup<TestSession> group, ReadOnlySpan<SubscriptionEntry<TestSession>> members, ReadOnlySpan<byte> topicName, TestSession? publisher)
        {
            LastTopic = topicName.ToArray();
            for (int i = 0; i < members.Length; i++)
            {
                if (members[i].Subscriber.Name == Wanted)
                {
                    return i;
                }
            }

            return -1;
        }
    }
}
