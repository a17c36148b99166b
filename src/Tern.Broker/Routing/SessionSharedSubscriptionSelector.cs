using System.Text;
using Tern.Broker.Sessions;

namespace Tern.Broker.Routing;

/// <summary>
/// Picks the member of a shared subscription group for the broker: the configured strategy names a first choice, and
/// members that are offline or whose queue is full are passed over for the next available one, so a group's messages
/// do not pile up in the queue of a member that went away (Mosquitto, EMQX and VerneMQ keep queuing to it). When no
/// member is available the first choice queues the message.
/// </summary>
internal sealed class SessionSharedSubscriptionSelector(SharedSubscriptionStrategy strategy) : ISharedSubscriptionSelector<MqttSession>
{
    public int Select(SharedSubscriptionGroup<MqttSession> group, ReadOnlySpan<SubscriptionEntry<MqttSession>> members, ReadOnlySpan<byte> topicName, MqttSession? publisher)
    {
        int count = members.Length;
        int first = strategy switch
        {
            SharedSubscriptionStrategy.Random => System.Random.Shared.Next(count),
            SharedSubscriptionStrategy.Sticky => IndexOf(members, group.SelectorState as MqttSession),
            SharedSubscriptionStrategy.HashClientId => (int)(Fnv1a(publisher?.ClientId) % (uint)count),
            SharedSubscriptionStrategy.HashTopic => (int)(Fnv1a(topicName) % (uint)count),
            _ => (int)((uint)group.NextSequence() % (uint)count),
        };
        if (first < 0)
        {
            first = 0;
        }

        for (int i = 0; i < count; i++)
        {
            int candidate = (first + i) % count;
            if (members[candidate].Subscriber.IsAvailable)
            {
                if (strategy == SharedSubscriptionStrategy.Sticky)
                {
                    group.SelectorState = members[candidate].Subscriber;
                }

                return candidate;
            }
        }

        return first;
    }

    private static int IndexOf(ReadOnlySpan<SubscriptionEntry<MqttSession>> members, MqttSession? session)
    {
        for (int i = 0; session is not null && i < members.Length; i++)
        {
            if (ReferenceEquals(members[i].Subscriber, session))
            {
                return i;
            }
        }

        return 0;
    }

    // FNV-1a: stable across processes (unlike string.GetHashCode), so a hash strategy keeps its mapping after a restart.
    private static uint Fnv1a(ReadOnlySpan<byte> bytes)
    {
        uint hash = 2166136261;
        foreach (byte b in bytes)
        {
            hash = (hash ^ b) * 16777619;
        }

        return hash;
    }

    private static uint Fnv1a(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        Span<byte> buffer = stackalloc byte[256];
        int length = Encoding.UTF8.GetByteCount(text);
        return length <= buffer.Length ? Fnv1a(buffer[..Encoding.UTF8.GetBytes(text, buffer)]) : Fnv1a(Encoding.UTF8.GetBytes(text));
    }
}
