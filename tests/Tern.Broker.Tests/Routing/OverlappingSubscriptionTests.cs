using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

public class OverlappingSubscriptionTests
{
    [Fact]
    public void Each_matching_subscription_of_one_subscriber_is_reported_once()
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");
        tree.SubscribeTo("a/+", session, subscriptionIdentifier: 1);
        tree.SubscribeTo("a/#", session, subscriptionIdentifier: 2);
        tree.SubscribeTo("a/b", session);
        tree.SubscribeTo("#", session, subscriptionIdentifier: 4);
        tree.SubscribeTo("a/c", session, subscriptionIdentifier: 5);

        var collector = new SubscriptionCollector<TestSession>();
        var matches = tree.MatchTopic("a/b", collector);

        Assert.Equal(4, matches.Count);
        Assert.All(matches, m => Assert.Same(session, m.Subscriber));
        Assert.All(matches, m => Assert.Equal(1, m.SubscriptionCount));
        var identifiers = Enumerable.Range(0, collector.Count).SelectMany(i => collector.GetSubscriptionIdentifiers(i).ToArray()).Order();
        Assert.Equal([1, 2, 4], identifiers);
    }

    [Fact]
    public void Collapsing_gives_one_delivery_per_subscriber_with_the_maximum_QoS_MQTT_3_3_4_2_and_every_identifier_MQTT_3_3_4_3()
    {
        var tree = new SubscriptionTree<TestSession>();
        var s = new TestSession("s");
        var t = new TestSession("t");
        var u = new TestSession("u");
        tree.SubscribeTo("a/+", s, QualityOfService.AtMostOnce, subscriptionIdentifier: 1);
        tree.SubscribeTo("a/#", s, QualityOfService.ExactlyOnce, subscriptionIdentifier: 2);
        tree.SubscribeTo("a/b", s, QualityOfService.AtLeastOnce);
        tree.SubscribeTo("a/b", t, QualityOfService.AtLeastOnce, subscriptionIdentifier: 7);
        tree.SubscribeTo("+/b", u, QualityOfService.AtMostOnce);
        tree.SubscribeTo("#", u, QualityOfService.AtLeastOnce);
        tree.SubscribeTo("#", t, QualityOfService.AtMostOnce, subscriptionIdentifier: 8);

        var collector = new SubscriptionCollector<TestSession>();
        tree.Match(TreeTestSupport.Utf8("a/b"), collector);
        Assert.Equal(7, collector.Count);

        collector.CollapsePerSubscriber();

        Assert.True(collector.IsCollapsed);
        Assert.Equal(3, collector.Count);
        var bySubscriber = collector.Matches.ToArray().ToDictionary(m => m.Subscriber.Name);
        Assert.Equal(QualityOfService.ExactlyOnce, bySubscriber["s"].GrantedQoS);
        Assert.Equal(3, bySubscriber["s"].SubscriptionCount);
        Assert.Equal([1, 2], collector.IdentifiersOf(s));
        Assert.Equal(QualityOfService.AtLeastOnce, bySubscriber["t"].GrantedQoS);
        Assert.Equal([7, 8], collector.IdentifiersOf(t));
        Assert.Equal(QualityOfService.AtLeastOnce, bySubscriber["u"].GrantedQoS);
        Assert.Empty(collector.IdentifiersOf(u));
        Assert.Equal(0, bySubscriber["u"].Options.SubscriptionIdentifier);
        Assert.NotEqual(0, bySubscriber["s"].Options.SubscriptionIdentifier);
    }

    [Fact]
    public void Collapsing_twice_changes_nothing_and_a_new_match_starts_uncollapsed()
    {
        var tree = new SubscriptionTree<TestSession>();
        var s = new TestSession("s");
        tree.SubscribeTo("a/+", s, subscriptionIdentifier: 1);
        tree.SubscribeTo("a/#", s, subscriptionIdentifier: 2);
        var collector = new SubscriptionCollector<TestSession>();

        tree.Match(TreeTestSupport.Utf8("a/b"), collector);
        collector.CollapsePerSubscriber();
        collector.CollapsePerSubscriber();
        Assert.Equal(1, collector.Count);
        Assert.Equal([1, 2], collector.IdentifiersOf(s));

        tree.Match(TreeTestSupport.Utf8("a/b"), collector);
        Assert.False(collector.IsCollapsed);
        Assert.Equal(2, collector.Count);
    }

    [Fact]
    public void Collapsing_keeps_Retain_As_Published_only_if_every_merged_subscription_asked_for_it()
    {
        var tree = new SubscriptionTree<TestSession>();
        var mixed = new TestSession("mixed");
        var all = new TestSession("all");
        tree.SubscribeTo("a/+", mixed, retainAsPublished: true);
        tree.SubscribeTo("a/#", mixed, retainAsPublished: false);
        tree.SubscribeTo("a/+", all, retainAsPublished: true);
        tree.SubscribeTo("a/#", all, retainAsPublished: true);

        var collector = new SubscriptionCollector<TestSession>();
        tree.Match(TreeTestSupport.Utf8("a/b"), collector);
        collector.CollapsePerSubscriber();

        var bySubscriber = collector.Matches.ToArray().ToDictionary(m => m.Subscriber.Name);
        Assert.False(bySubscriber["mixed"].Options.RetainAsPublished);
        Assert.True(bySubscriber["all"].Options.RetainAsPublished);
    }

    [Fact]
    public void Collapsing_leaves_shared_deliveries_separate_because_each_shared_subscription_is_independent()
    {
        var tree = new SubscriptionTree<TestSession>();
        var s = new TestSession("s");
        tree.SubscribeTo("a/b", s, QualityOfService.AtMostOnce, subscriptionIdentifier: 1);
        tree.SubscribeTo("$share/g/a/b", s, QualityOfService.AtLeastOnce, subscriptionIdentifier: 2);
        tree.SubscribeTo("$share/h/a/+", s, QualityOfService.ExactlyOnce, subscriptionIdentifier: 3);
        tree.SubscribeTo("a/#", s, QualityOfService.AtLeastOnce, subscriptionIdentifier: 4);

        var collector = new SubscriptionCollector<TestSession>();
        tree.Match(TreeTestSupport.Utf8("a/b"), collector);
        collector.CollapsePerSubscriber();

        Assert.Equal(3, collector.Count);
        Assert.Equal([1, 4], collector.IdentifiersOf(s));
        for (int i = 0; i < collector.Count; i++)
        {
            var match = collector.Matches[i];
            if (match.IsShared)
            {
                int expected = match.SharedGroup!.ShareName.SequenceEqual("g"u8) ? 2 : 3;
                Assert.Equal([expected], collector.GetSubscriptionIdentifiers(i).ToArray());
            }
            else
            {
                Assert.Equal(QualityOfService.AtLeastOnce, match.GrantedQoS);
            }
        }
    }
}
