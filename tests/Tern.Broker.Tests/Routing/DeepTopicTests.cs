using Tern.Broker.Routing;
using Tern.Protocol.Topics;

namespace Tern.Broker.Tests.Routing;

public class DeepTopicTests
{
    [Fact]
    public void A_topic_of_65536_empty_levels_matches_without_recursion_RELIABILITY_C7_CVE_2019_11779()
    {
        // 65,535 separators: the longest topic a 2-byte length prefix carries, and the most levels it can have.
        string topic = new('/', TopicName.MaxLength);
        string exact = topic;
        string hashLast = topic[..^1] + "#"; // 65,535 levels, the last one #: matches the last two levels
        Exception? failure = null;

        // A small stack: any recursion proportional to the 65,536 levels would overflow it.
        var thread = new Thread(
            () =>
            {
                try
                {
                    var tree = new SubscriptionTree<TestSession>();
                    var session = new TestSession("s");
                    tree.SubscribeTo("#", session);
                    tree.SubscribeTo("+/#", session);
                    tree.SubscribeTo(exact, session);
                    tree.SubscribeTo(hashLast, session);
                    tree.SubscribeTo("+/+", session);
                    Assert.Equal(65_536 + 5, tree.NodeCount);

                    Assert.Equal(4, tree.MatchTopic(topic).Count);

                    Assert.True(tree.UnsubscribeFrom(exact, session));
                    Assert.True(tree.UnsubscribeFrom(hashLast, session));
                    Assert.Equal(4, tree.NodeCount);
                    Assert.Equal(3, tree.RemoveAll(session));
                    Assert.Equal(0, tree.NodeCount);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    failure = e;
                }
            },
            maxStackSize: 256 * 1024);
        thread.Start();
        thread.Join();

        Assert.Null(failure);
    }
}
