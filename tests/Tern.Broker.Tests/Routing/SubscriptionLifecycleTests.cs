using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

public class SubscriptionLifecycleTests
{
    [Fact]
    public void Subscribing_again_to_an_identical_filter_replaces_the_subscription_MQTT_3_8_4_3()
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");

        Assert.False(tree.SubscribeTo("a/+", session, QualityOfService.AtMostOnce, subscriptionIdentifier: 1));
        Assert.True(tree.SubscribeTo("a/+", session, QualityOfService.ExactlyOnce, subscriptionIdentifier: 2));

        var match = Assert.Single(tree.MatchTopic("a/b"));
        Assert.Equal(QualityOfService.ExactlyOnce, match.GrantedQoS);
        Assert.Equal(2, match.Options.SubscriptionIdentifier);
        Assert.Equal(1, tree.Count);
    }

    [Fact]
    public void Filters_that_match_the_same_topics_but_differ_in_bytes_are_different_subscriptions()
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");

        Assert.False(tree.SubscribeTo("a/+", session));
        Assert.False(tree.SubscribeTo("a/b", session));
        Assert.False(tree.SubscribeTo("$share/g/a/b", session));

        Assert.Equal(3, tree.Count);
        Assert.Equal(3, tree.MatchTopic("a/b").Count);
    }

    [Fact]
    public void Unsubscribe_reports_whether_the_subscription_existed()
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");
        var other = new TestSession("other");
        tree.SubscribeTo("a/b", session);

        Assert.False(tree.UnsubscribeFrom("a/b", other));
        Assert.False(tree.UnsubscribeFrom("a/+", session));
        Assert.False(tree.UnsubscribeFrom("a/b/c", session));
        Assert.False(tree.UnsubscribeFrom("$share/g/a/b", session));
        Assert.True(tree.UnsubscribeFrom("a/b", session));
        Assert.False(tree.UnsubscribeFrom("a/b", session));
        Assert.Equal(0, tree.Count);
        Assert.Empty(tree.MatchTopic("a/b"));
    }

    [Fact]
    public void Unsubscribing_everything_prunes_the_tree_back_to_its_starting_node_count_RELIABILITY_C6()
    {
        var tree = new SubscriptionTree<TestSession>();
        var keeper = new TestSession("keeper");
        tree.SubscribeTo("keep/this", keeper);
        int startNodes = tree.NodeCount;

        var sessions = Enumerable.Range(0, 20).Select(i => new TestSession($"s{i}")).ToArray();
        string[] filters = ["a/b/c", "a/+/c", "a/#", "#", "+", "keep/this/#", "keep/+", "wide/{0}", "wide/{0}/x/y", "$share/g{0}/a/b", "$share/g/+/+", "//"];
        foreach (var session in sessions)
        {
            foreach (var filter in filters)
            {
                tree.SubscribeTo(string.Format(System.Globalization.CultureInfo.InvariantCulture, filter, session.Name), session);
            }
        }

        Assert.True(tree.NodeCount > startNodes + 40);
        Assert.Equal(1 + (sessions.Length * filters.Length), tree.Count);

        foreach (var session in sessions)
        {
            foreach (var filter in filters)
            {
                Assert.True(tree.UnsubscribeFrom(string.Format(System.Globalization.CultureInfo.InvariantCulture, filter, session.Name), session));
            }
        }

        Assert.Equal(startNodes, tree.NodeCount);
        Assert.Equal(1, tree.Count);
        Assert.Equal(1, tree.SubscriberCount);
        Assert.Equal(["keeper"], tree.MatchedNames("keep/this"));
    }

    [Fact]
    public void RemoveAll_drops_every_subscription_of_one_subscriber_and_no_other()
    {
        var tree = new SubscriptionTree<TestSession>();
        var leaving = new TestSession("leaving");
        var staying = new TestSession("staying");
        foreach (var filter in new[] { "a/b", "a/+", "a/#", "$share/g/a/b", "$share/h/a/+", "x/y/z" })
        {
            tree.SubscribeTo(filter, leaving);
        }

        tree.SubscribeTo("a/b", staying);
        tree.SubscribeTo("$share/g/a/b", staying);
        var reference = new SubscriptionTree<TestSession>();
        reference.SubscribeTo("a/b", staying);
        reference.SubscribeTo("$share/g/a/b", staying);

        Assert.Equal(6, tree.RemoveAll(leaving));
        Assert.Equal(0, tree.RemoveAll(leaving));

        Assert.Equal(2, tree.Count);
        Assert.Equal(1, tree.SubscriberCount);
        Assert.Equal(reference.NodeCount, tree.NodeCount);
        Assert.Equal(["staying", "staying"], tree.MatchedNames("a/b"));
        Assert.Empty(tree.MatchTopic("x/y/z"));
    }

    [Fact]
    public void RemoveAll_after_unsubscribing_some_filters_removes_only_the_rest()
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");
        tree.SubscribeTo("a", session);
        tree.SubscribeTo("b", session);
        tree.SubscribeTo("c", session);
        tree.SubscribeTo("b", session, QualityOfService.AtLeastOnce);
        tree.UnsubscribeFrom("a", session);

        Assert.Equal(2, tree.RemoveAll(session));
        Assert.Equal(0, tree.Count);
        Assert.Equal(0, tree.NodeCount);
    }

    [Fact]
    public void A_subscription_with_No_Local_is_skipped_for_messages_its_own_subscriber_published_MQTT_3_8_3_3()
    {
        var tree = new SubscriptionTree<TestSession>();
        var publisher = new TestSession("publisher");
        var other = new TestSession("other");
        tree.SubscribeTo("chat/+", publisher, noLocal: true);
        tree.SubscribeTo("chat/#", publisher);
        tree.SubscribeTo("chat/+", other, noLocal: true);

        var fromPublisher = tree.MatchTopic("chat/room", publisher: publisher);
        var fromNobody = tree.MatchTopic("chat/room");

        Assert.Equal(2, fromPublisher.Count);
        Assert.DoesNotContain(fromPublisher, m => ReferenceEquals(m.Subscriber, publisher) && m.Options.NoLocal);
        Assert.Equal(3, fromNobody.Count);
    }

    public static TheoryData<string> MalformedFilters => new()
    {
        "",
        "a/#/b",
        "a#",
        "a/b+",
        "+a",
        "##",
        "$share//a",
        "$share/g",
        "$share/g/",
        "$share/g+/a",
        "$share/#/a",
    };

    [Theory]
    [MemberData(nameof(MalformedFilters))]
    public void A_filter_the_broker_should_have_rejected_throws_and_leaves_the_tree_unchanged(string filter)
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");

        Assert.ThrowsAny<ArgumentException>(() => tree.SubscribeTo(filter, session));
        Assert.ThrowsAny<ArgumentException>(() => tree.UnsubscribeFrom(filter, session));
        Assert.Equal(0, tree.Count);
        Assert.Equal(0, tree.NodeCount);
    }

    [Fact]
    public void Share_without_a_slash_is_an_ordinary_filter()
    {
        var tree = new SubscriptionTree<TestSession>();
        tree.SubscribeTo("$share", new TestSession("s"));

        var match = Assert.Single(tree.MatchTopic("$share"));
        Assert.False(match.IsShared);
    }

    [Theory]
    [InlineData(3, 0)]
    [InlineData(0, -1)]
    [InlineData(0, SubscriptionEntryOptions.MaxSubscriptionIdentifier + 1)]
    public void Out_of_range_options_throw(byte qos, int identifier)
    {
        var tree = new SubscriptionTree<TestSession>();

        Assert.Throws<ArgumentOutOfRangeException>(() => tree.SubscribeTo("a", new TestSession("s"), (QualityOfService)qos, identifier));
        Assert.Equal(0, tree.Count);
    }
}
