using Tern.Broker.Routing;

namespace Tern.Broker.Tests.Routing;

public class TopicMatchingTests
{
    /// <summary>
    /// Filter, topic, whether it matches: the examples of §4.7 (same text in 3.1.1 and 5.0: §4.7.1.2 multi-level,
    /// §4.7.1.3 single-level, §4.7.2 topics beginning with $, §4.7.3 topic semantics) plus edge cases of empty levels.
    /// </summary>
    public static TheoryData<string, string, bool> SpecificationExamples => new()
    {
        // §4.7.1.2 "sport/tennis/player1/#" would receive messages published using these topic names.
        { "sport/tennis/player1/#", "sport/tennis/player1", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/ranking", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true },
        { "sport/tennis/player1/#", "sport/tennis", false },
        // §4.7.1.2 "sport/#" also matches the singular "sport", since # includes the parent level.
        { "sport/#", "sport", true },
        { "sport/#", "sports", false },
        { "sport/tennis/#", "sport/tennis", true },
        // §4.7.1.2 "#" is valid and receives every (non-$) message.
        { "#", "sport/tennis/player1", true },
        { "#", "/", true },
        { "#", "a", true },
        // §4.7.1.3 "sport/tennis/+" matches one level only.
        { "sport/tennis/+", "sport/tennis/player1", true },
        { "sport/tennis/+", "sport/tennis/player2", true },
        { "sport/tennis/+", "sport/tennis/player1/ranking", false },
        // §4.7.1.3 "sport/+" does not match "sport" but does match "sport/" (an empty level).
        { "sport/+", "sport", false },
        { "sport/+", "sport/", true },
        // §4.7.1.3 "+/+" and "/+" match "/finance"; "+" does not.
        { "+/+", "/finance", true },
        { "/+", "/finance", true },
        { "+", "/finance", false },
        { "+", "finance", true },
        // §4.7.1.3 "+/tennis/#" combines both wildcards.
        { "+/tennis/#", "sport/tennis/player1", true },
        { "+/tennis/#", "sport/tennis", true },
        { "+/tennis/#", "sport/golf", false },
        // §4.7.2 [MQTT-4.7.2-1]: filters starting with a wildcard do not match topics starting with $.
        { "#", "$SYS/broker/load", false },
        { "+/monitor/Clients", "$SYS/monitor/Clients", false },
        { "+/#", "$SYS/monitor/Clients", false },
        { "+", "$SYS", false },
        { "$SYS/#", "$SYS/monitor/Clients", true },
        { "$SYS/monitor/+", "$SYS/monitor/Clients", true },
        { "$SYS/#", "$SYS", true },
        { "$SYS/#", "$SYSTEM/x", false },
        // A $ that is not at the start of the topic is an ordinary character.
        { "+/$x", "a/$x", true },
        { "a/#", "a/$SYS", true },
        // §4.7.3: case sensitive, spaces allowed, a leading / makes a distinct (empty) first level.
        { "ACCOUNTS", "Accounts", false },
        { "Accounts payable", "Accounts payable", true },
        { "/finance", "finance", false },
        { "finance", "/finance", false },
        // Exact filters and empty levels are levels.
        { "sport/tennis/player1", "sport/tennis/player1", true },
        { "a//b", "a//b", true },
        { "a/+/b", "a//b", true },
        { "a/b", "a/b/", false },
        { "+/+/+", "a/b", false },
        { "+/#", "/", true },
        // Multi-byte UTF-8 levels compare byte for byte.
        { "für/+", "für/elise", true },
        { "für/+", "fur/elise", false },
    };

    [Theory]
    [MemberData(nameof(SpecificationExamples))]
    public void A_filter_matches_exactly_the_topics_of_the_specification_examples(string filter, string topic, bool expected)
    {
        var tree = new SubscriptionTree<TestSession>();
        var session = new TestSession("s");
        tree.SubscribeTo(filter, session);

        Assert.Equal(expected ? 1 : 0, tree.MatchTopic(topic).Count);
    }

    [Theory]
    [MemberData(nameof(SpecificationExamples))]
    public void A_shared_subscription_matches_like_its_inner_filter(string filter, string topic, bool expected)
    {
        var tree = new SubscriptionTree<TestSession>();
        tree.SubscribeTo("$share/group/" + filter, new TestSession("s"));

        Assert.Equal(expected ? 1 : 0, tree.MatchTopic(topic).Count);
    }

    [Fact]
    public void All_filters_of_a_tree_match_together_without_interference()
    {
        var tree = new SubscriptionTree<TestSession>();
        var examples = SpecificationExamples.Select(row => ((string)row[0], (string)row[1], (bool)row[2])).ToArray();
        var sessions = new Dictionary<string, TestSession>();
        foreach (var (filter, _, _) in examples)
        {
            if (!sessions.ContainsKey(filter))
            {
                sessions[filter] = new TestSession(filter);
                tree.SubscribeTo(filter, sessions[filter]);
            }
        }

        foreach (var topic in examples.Select(e => e.Item2).Distinct())
        {
            var expected = sessions.Keys.Where(f => examples.Any(e => e.Item1 == f && e.Item2 == topic && e.Item3)).ToHashSet();
            var matched = tree.MatchTopic(topic).Select(m => m.Subscriber.Name).ToList();

            Assert.Equal(matched.Count, matched.Distinct().Count());
            // Filters of other rows may match this topic too; every row that says "matches" must be among the results
            // and every row that says "does not match" must be absent.
            Assert.Superset(expected, matched.ToHashSet());
            foreach (var (filter, _, _) in examples.Where(e => e.Item2 == topic && !e.Item3))
            {
                Assert.DoesNotContain(filter, matched);
            }
        }
    }

    [Fact]
    public void Dollar_topics_are_reached_only_by_filters_whose_first_level_is_literal_MQTT_4_7_2_1()
    {
        var tree = new SubscriptionTree<TestSession>();
        tree.SubscribeTo("#", new TestSession("hash"));
        tree.SubscribeTo("+/broker/load", new TestSession("plus"));
        tree.SubscribeTo("$share/g/#", new TestSession("shared-hash"));
        tree.SubscribeTo("$SYS/#", new TestSession("sys-hash"));
        tree.SubscribeTo("$SYS/+/load", new TestSession("sys-plus"));
        tree.SubscribeTo("$SYS/broker/load", new TestSession("sys-exact"));

        Assert.Equal(["sys-exact", "sys-hash", "sys-plus"], tree.MatchedNames("$SYS/broker/load"));
        Assert.Equal(["hash", "plus", "shared-hash"], tree.MatchedNames("SYS/broker/load"));
    }

    [Fact]
    public void A_node_with_many_children_still_finds_each_child_as_it_grows_and_shrinks()
    {
        var tree = new SubscriptionTree<TestSession>();
        var sessions = Enumerable.Range(0, 100).Select(i => new TestSession($"d{i}")).ToArray();
        for (int i = 0; i < sessions.Length; i++)
        {
            tree.SubscribeTo($"devices/{i}", sessions[i]);
            // Every earlier child stays reachable through the switch from array to dictionary.
            Assert.Equal([$"d{i}"], tree.MatchedNames($"devices/{i}"));
            Assert.Equal(["d0"], tree.MatchedNames("devices/0"));
        }

        for (int i = sessions.Length - 1; i >= 1; i--)
        {
            Assert.True(tree.UnsubscribeFrom($"devices/{i}", sessions[i]));
            Assert.Empty(tree.MatchTopic($"devices/{i}"));
            Assert.Equal(["d0"], tree.MatchedNames("devices/0"));
        }

        Assert.Equal(2, tree.NodeCount);
    }
}
