using System.Text;
using Tern.Broker.Routing;
using Tern.Protocol;

namespace Tern.Broker.Tests.Routing;

/// <summary>A stand-in for the broker's session: compared by reference, named for readable failures.</summary>
internal sealed class TestSession(string name)
{
    public string Name { get; } = name;

    public override string ToString() => Name;
}

/// <summary>String conveniences over the byte-span API of <see cref="SubscriptionTree{TSubscriber}"/>.</summary>
internal static class TreeTestSupport
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    public static bool SubscribeTo(
        this SubscriptionTree<TestSession> tree,
        string filter,
        TestSession session,
        QualityOfService qos = QualityOfService.AtMostOnce,
        int subscriptionIdentifier = 0,
        bool noLocal = false,
        bool retainAsPublished = false) =>
        tree.Subscribe(Utf8(filter), session, new SubscriptionEntryOptions
        {
            GrantedQoS = qos,
            SubscriptionIdentifier = subscriptionIdentifier,
            NoLocal = noLocal,
            RetainAsPublished = retainAsPublished,
        });

    public static bool UnsubscribeFrom(this SubscriptionTree<TestSession> tree, string filter, TestSession session) =>
        tree.Unsubscribe(Utf8(filter), session);

    /// <summary>Matches and returns a copy of the results (tests only: allocates).</summary>
    public static List<MatchedSubscription<TestSession>> MatchTopic(
        this SubscriptionTree<TestSession> tree, string topic, SubscriptionCollector<TestSession>? collector = null, TestSession? publisher = null)
    {
        collector ??= new SubscriptionCollector<TestSession>();
        tree.Match(Utf8(topic), collector, publisher);
        return [.. collector.Matches];
    }

    /// <summary>The names of the matched subscribers, sorted, one per delivery.</summary>
    public static string[] MatchedNames(this SubscriptionTree<TestSession> tree, string topic) =>
        [.. tree.MatchTopic(topic).Select(m => m.Subscriber.Name).Order(StringComparer.Ordinal)];

    public static int[] IdentifiersOf(this SubscriptionCollector<TestSession> collector, TestSession session)
    {
        for (int i = 0; i < collector.Count; i++)
        {
            if (ReferenceEquals(collector.Matches[i].Subscriber, session) && !collector.Matches[i].IsShared)
            {
                return [.. collector.GetSubscriptionIdentifiers(i).ToArray().Order()];
            }
        }

        throw new InvalidOperationException($"{session} was not matched");
    }
}
