using CsCheck;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

/// <summary>Compares the tree with a naive matcher written from the rules of §4.7, on random filters and topics.</summary>
public class SubscriptionTreeModelTests
{
    private const int Subscribers = 4;

    private static readonly Gen<string> FilterGen =
        Gen.Select(
            Gen.OneOfConst("a", "b", "", "+", "$x").Array[1, 4],
            Gen.Int[0, 2],
            Gen.Int[0, 3],
            (levels, hashMode, shareMode) =>
            {
                var list = levels.ToList();
                if (hashMode == 1)
                {
                    list.Add("#");
                }
                else if (hashMode == 2)
                {
                    list[^1] = "#";
                }

                string filter = string.Join('/', list);
                if (filter.Length == 0)
                {
                    filter = "b"; // a single empty level is a zero-length filter, which is invalid [MQTT-4.7.3-1]
                }

                return shareMode switch
                {
                    1 => "$share/g1/" + filter,
                    2 => "$share/g2/" + filter,
                    _ => filter,
                };
            });

    private static readonly Gen<string> TopicGen =
        Gen.OneOfConst("a", "b", "", "$x").Array[1, 5].Select(levels => string.Join('/', levels));

    /// <summary>Subscribe (true) or unsubscribe (false) a subscriber to a filter with a QoS.</summary>
    private static readonly Gen<(bool Subscribe, int Subscriber, string Filter, int QoS)> OperationGen =
        Gen.Select(Gen.Int[0, 4].Select(n => n != 0), Gen.Int[0, Subscribers - 1], FilterGen, Gen.Int[0, 2]);

    /// <summary>The reference matcher: level by level, exactly as the specification words it.</summary>
    internal static bool ReferenceMatches(string filter, string topic)
    {
        string[] f = filter.Split('/');
        string[] t = topic.Split('/');
        if (t[0].StartsWith('$') && (f[0] == "+" || f[0] == "#"))
        {
            return false; // [MQTT-4.7.2-1]
        }

        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return t.Length >= i; // # matches the parent level and everything below it
            }

            if (i >= t.Length || (f[i] != "+" && f[i] != t[i]))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }

    [Fact]
    public void Match_agrees_with_a_naive_matcher_on_random_subscriptions_and_topics()
    {
        Gen.Select(OperationGen.Array[1, 40], TopicGen.Array[1, 8]).Sample(
            (operations, topics) =>
            {
                var sessions = Enumerable.Range(0, Subscribers).Select(i => new TestSession($"s{i}")).ToArray();
                var tree = new SubscriptionTree<TestSession>();
                // The model: (subscriber, filter as received) -> (QoS, subscription identifier).
                var model = new Dictionary<(int Subscriber, string Filter), (int QoS, int Identifier)>();
                int nextIdentifier = 1;

                foreach (var (subscribe, subscriber, filter, qos) in operations)
                {
                    if (subscribe)
                    {
                        int identifier = nextIdentifier++;
                        bool replaced = tree.SubscribeTo(filter, sessions[subscriber], (QualityOfService)qos, identifier);
                        Assert.Equal(model.ContainsKey((subscriber, filter)), replaced);
                        model[(subscriber, filter)] = (qos, identifier);
                    }
                    else
                    {
                        Assert.Equal(model.Remove((subscriber, filter)), tree.UnsubscribeFrom(filter, sessions[subscriber]));
                    }
                }

                Assert.Equal(model.Count, tree.Count);
                var collector = new SubscriptionCollector<TestSession>();
                foreach (var topic in topics)
                {
                    CheckMatch(tree, collector, sessions, model, topic);
                }

                foreach (var session in sessions)
                {
                    tree.RemoveAll(session);
                }

                Assert.Equal(0, tree.Count);
                Assert.Equal(0, tree.NodeCount);
            },
            iter: 2_000);
    }

    private static void CheckMatch(
        SubscriptionTree<TestSession> tree,
        SubscriptionCollector<TestSession> collector,
        TestSession[] sessions,
        Dictionary<(int Subscriber, string Filter), (int QoS, int Identifier)> model,
        string topic)
    {
        static (string? Share, string Inner) Split(string filter) =>
            filter.StartsWith("$share/", StringComparison.Ordinal)
                ? (filter.Split('/')[1], filter[(filter.IndexOf('/', 7) + 1)..])
                : (null, filter);

        var matching = model.Where(p => ReferenceMatches(Split(p.Key.Filter).Inner, topic)).ToList();
        var expectedPlain = matching.Where(p => Split(p.Key.Filter).Share is null).Select(p => p.Value.Identifier).Order().ToArray();
        var expectedGroups = matching.Where(p => Split(p.Key.Filter).Share is not null).GroupBy(p => p.Key.Filter)
            .ToDictionary(g => g.Key, g => g.Select(p => p.Value.Identifier).ToHashSet());

        tree.Match(TreeTestSupport.Utf8(topic), collector);

        // Non-shared: exactly the matching subscriptions, each once (identifiers are unique per subscription).
        var plain = collector.Matches.ToArray().Where(m => !m.IsShared).Select(m => m.Options.SubscriptionIdentifier).Order().ToArray();
        Assert.Equal(expectedPlain, plain);

        // Shared: one delivery per matching group, to one of its members.
        var shared = collector.Matches.ToArray().Where(m => m.IsShared).ToList();
        Assert.Equal(expectedGroups.Count, shared.Count);
        foreach (var match in shared)
        {
            string filter = "$share/" + System.Text.Encoding.UTF8.GetString(match.SharedGroup!.ShareName) + "/"
                + System.Text.Encoding.UTF8.GetString(match.SharedGroup.TopicFilter);
            Assert.Contains(match.Options.SubscriptionIdentifier, expectedGroups[filter]);
        }

        // Collapsed: per subscriber, the maximum QoS and every identifier of its matching non-shared subscriptions.
        collector.CollapsePerSubscriber();
        var perSubscriber = matching.Where(p => Split(p.Key.Filter).Share is null).GroupBy(p => p.Key.Subscriber).ToList();
        Assert.Equal(perSubscriber.Count + shared.Count, collector.Count);
        foreach (var group in perSubscriber)
        {
            int index = collector.Matches.ToArray().ToList().FindIndex(m => !m.IsShared && ReferenceEquals(m.Subscriber, sessions[group.Key]));
            Assert.True(index >= 0);
            Assert.Equal(group.Max(p => p.Value.QoS), (int)collector.Matches[index].GrantedQoS);
            Assert.Equal(group.Count(), collector.Matches[index].SubscriptionCount);
            Assert.Equal(group.Select(p => p.Value.Identifier).Order(), collector.GetSubscriptionIdentifiers(index).ToArray().Order());
        }
    }

    [Theory]
    [InlineData("a/#", "a", true)]
    [InlineData("a/b/#", "a", false)]
    [InlineData("#", "$x", false)]
    [InlineData("+/+", "/", true)]
    [InlineData("$x/+", "$x/", true)]
    public void The_reference_matcher_itself_follows_the_specification_examples(string filter, string topic, bool expected)
    {
        Assert.Equal(expected, ReferenceMatches(filter, topic));
    }
}
