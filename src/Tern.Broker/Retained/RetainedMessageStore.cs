using System.Text;
using Tern.Broker.Messages;
using Tern.Broker.Persistence;

namespace Tern.Broker.Retained;

/// <summary>
/// Retained messages in a trie of topic levels, so a wildcard subscription walks only the branches its filter can
/// reach instead of scanning every retained topic. Match costs O(levels of the filter + nodes under a '#').
/// </summary>
/// <remarks>
/// Reads and writes take one lock: retained traffic is a small share of a broker's work, and SUBSCRIBE is rarer still.
/// With a durable store every change is recorded there too, except for <c>$SYS/</c> topics, which the broker
/// publishes again after a start.
/// </remarks>
internal sealed class RetainedMessageStore(DurableWriter? durable = null) : IRetainedMessageStore
{
    private readonly object _gate = new();
    private readonly Node _root = new(null, "");
    private int _count;

    public int Count => Volatile.Read(ref _count);

    public void Set(BrokerMessage message)
    {
        // Kept until replaced, outside the reference count of pooled messages (the router pins too; this covers any caller).
        message.Pin();
        if (durable is not null && !IsSys(message.Topic))
        {
            durable.Write(new RetainedSet(message));
        }

        Load(message);
    }

    /// <summary>Puts a message read from the durable store back, without recording it again.</summary>
    public void Load(BrokerMessage message)
    {
        message.Pin();
        lock (_gate)
        {
            var node = _root;
            foreach (var level in Levels(message.Topic))
            {
                node.Children ??= new Dictionary<string, Node>(StringComparer.Ordinal);
                if (!node.Children.TryGetValue(level, out var child))
                {
                    child = new Node(node, level);
                    node.Children[level] = child;
                }

                node = child;
            }

            if (node.Message is null)
            {
                _count++;
            }

            node.Message = message;
        }
    }

    public bool Remove(ReadOnlySpan<byte> topic)
    {
        lock (_gate)
        {
            var node = _root;
            foreach (var level in Levels(topic))
            {
                if (node.Children is null || !node.Children.TryGetValue(level, out var child))
                {
                    return false;
                }

                node = child;
            }

            if (node.Message is null)
            {
                return false;
            }

            node.Message = null;
            _count--;
            if (durable is not null && !IsSys(topic))
            {
                durable.Write(new RetainedRemoved(Encoding.UTF8.GetString(topic)));
            }

            // Prune empty branches so the trie shrinks back.
            while (node.Parent is { } parent && node.Message is null && (node.Children is null || node.Children.Count == 0))
            {
                parent.Children!.Remove(node.Level);
                node = parent;
            }

            return true;
        }
    }

    public void Match(ReadOnlySpan<byte> topicFilter, List<BrokerMessage> results)
    {
        var levels = Levels(topicFilter);
        lock (_gate)
        {
            // Iterative walk: (node, index of the next filter level). Never recursive, whatever the depth.
            var stack = new Stack<(Node Node, int Level)>();
            stack.Push((_root, 0));
            while (stack.Count > 0)
            {
                var (node, index) = stack.Pop();
                if (index == levels.Count)
                {
                    if (node.Message is not null)
                    {
                        results.Add(node.Message);
                    }

                    continue;
                }

                string level = levels[index];
                if (level == "#")
                {
                    // '#' matches the parent level too ("a/#" matches "a") and every level below.
                    if (node != _root && node.Message is not null)
                    {
                        results.Add(node.Message);
                    }

                    AddSubtree(node, excludeDollar: index == 0, results);
                    continue;
                }

                if (node.Children is null)
                {
                    continue;
                }

                if (level == "+")
                {
                    foreach (var child in node.Children.Values)
                    {
                        // [MQTT-4.7.2-1]: a filter starting with a wildcard does not match topics starting with '$'.
                        if (index == 0 && child.Level.StartsWith('$'))
                        {
                            continue;
                        }

                        stack.Push((child, index + 1));
                    }
                }
                else if (node.Children.TryGetValue(level, out var child))
                {
                    stack.Push((child, index + 1));
                }
            }
        }
    }

    private static void AddSubtree(Node start, bool excludeDollar, List<BrokerMessage> results)
    {
        if (start.Children is null)
        {
            return;
        }

        var stack = new Stack<Node>();
        foreach (var child in start.Children.Values)
        {
            if (!(excludeDollar && child.Level.StartsWith('$')))
            {
                stack.Push(child);
            }
        }

        while (stack.Count > 0)
        {
            var node = stack.Pop();
            if (node.Message is not null)
            {
                results.Add(node.Message);
            }

            if (node.Children is not null)
            {
                foreach (var child in node.Children.Values)
                {
                    stack.Push(child);
                }
            }
        }
    }

    private static bool IsSys(ReadOnlySpan<byte> topic) => topic.StartsWith("$SYS/"u8);

    private static List<string> Levels(ReadOnlySpan<byte> topic) => [.. Encoding.UTF8.GetString(topic).Split('/')];

    private sealed class Node(Node? parent, string level)
    {
        public Node? Parent { get; } = parent;

        public string Level { get; } = level;

        public Dictionary<string, Node>? Children { get; set; }

        public BrokerMessage? Message { get; set; }
    }
}
