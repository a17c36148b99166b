using System.Buffers;
using Tern.Broker.Security;
using Tern.Protocol.Topics;

namespace Tern.Broker;

public sealed partial class AclFile
{
    // Resolved patterns up to this size are built on the stack; longer ones rent from the shared pool.
    private const int StackBufferSize = 256;

    private enum Target
    {
        /// <summary>A Topic Name: a rule applies when it matches the name.</summary>
        TopicName,

        /// <summary>A Topic Filter being subscribed to: granted when a rule contains it, denied when a deny rule meets it.</summary>
        TopicFilter,
    }

    /// <summary>Publish: a write grant matching the Topic Name, and no deny rule matching it.</summary>
    internal bool CanPublish(MqttClientContext client, ReadOnlySpan<byte> topicName) =>
        IsAllowed(client, AclAccess.Write, topicName, Target.TopicName);

    /// <summary>Receive: a read grant matching the Topic Name, and no deny rule matching it.</summary>
    internal bool CanReceive(MqttClientContext client, ReadOnlySpan<byte> topicName) =>
        IsAllowed(client, AclAccess.Read, topicName, Target.TopicName);

    /// <summary>
    /// Subscribe: one read grant that alone contains every Topic Name the filter can match, and no deny rule that shares
    /// a Topic Name with it. Read on <c>a/b/#</c> therefore does not allow <c>a/#</c>, and a deny on <c>a/secret</c>
    /// refuses <c>a/#</c> (RELIABILITY E5).
    /// </summary>
    internal bool CanSubscribe(MqttClientContext client, ReadOnlySpan<byte> topicFilter) =>
        IsAllowed(client, AclAccess.Read, topicFilter, Target.TopicFilter);

    private bool IsAllowed(MqttClientContext client, AclAccess needed, ReadOnlySpan<byte> target, Target kind)
    {
        ArgumentNullException.ThrowIfNull(client);
        if (target.IsEmpty)
        {
            return false;
        }

        var rules = TopicRulesFor(client);

        // Deny rules first, wherever they are in the file (as Mosquitto): one match refuses whatever grants exist.
        if (AnyApplies(rules, client, AclAccess.Deny, target, kind) || AnyApplies(_patterns, client, AclAccess.Deny, target, kind))
        {
            return false;
        }

        return AnyApplies(rules, client, needed, target, kind) || AnyApplies(_patterns, client, needed, target, kind);
    }

    private static bool AnyApplies(AclRule[] rules, MqttClientContext client, AclAccess access, ReadOnlySpan<byte> target, Target kind)
    {
        foreach (var rule in rules)
        {
            if ((rule.Access & access) == 0)
            {
                continue;
            }

            if (Applies(rule, client, access == AclAccess.Deny, target, kind))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Applies(AclRule rule, MqttClientContext client, bool deny, ReadOnlySpan<byte> target, Target kind)
    {
        if (!rule.HasSubstitution)
        {
            return Compare(rule.Filter, deny, target, kind);
        }

        // CVE-2017-7650: a user name or client id that could widen the pattern (a wildcard, a level separator), reach
        // $SYS from the first level, or vanish (empty, or no user name at all) is never substituted. The rule then
        // fails closed: a grant grants nothing, a deny denies everything.
        if ((rule.UsesUserName && (client.UserName is null || !IsSafeValue(client.UserNameUtf8, rule.UserNameFirst)))
            || (rule.UsesClientId && !IsSafeValue(client.ClientIdUtf8, rule.ClientIdFirst)))
        {
            return deny;
        }

        int length = ResolvedLength(rule, client);
        if (length > TopicFilter.MaxLength)
        {
            return deny;
        }

        byte[]? rented = null;
        Span<byte> buffer = length <= StackBufferSize ? stackalloc byte[StackBufferSize] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            var resolved = buffer[..Resolve(rule, client, buffer)];
            return Compare(resolved, deny, target, kind);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private static bool Compare(ReadOnlySpan<byte> ruleFilter, bool deny, ReadOnlySpan<byte> target, Target kind) => kind switch
    {
        Target.TopicName => TopicFilter.IsMatch(ruleFilter, target),
        _ => deny ? TopicFilterRelations.Overlaps(ruleFilter, target) : TopicFilterRelations.Contains(ruleFilter, target),
    };

    private static bool IsSafeValue(ReadOnlySpan<byte> value, bool firstLevel) =>
        !value.IsEmpty
        && value.IndexOfAny("+#/\0"u8) < 0
        && !(firstLevel && value[0] == (byte)'$');

    private static int ResolvedLength(AclRule rule, MqttClientContext client)
    {
        int length = rule.Filter.Length;
        foreach (var level in TopicLevels.Of(rule.Filter))
        {
            if (level.SequenceEqual("%u"u8))
            {
                length += client.UserNameUtf8.Length - 2;
            }
            else if (level.SequenceEqual("%c"u8))
            {
                length += client.ClientIdUtf8.Length - 2;
            }
        }

        return length;
    }

    private static int Resolve(AclRule rule, MqttClientContext client, Span<byte> destination)
    {
        int written = 0;
        bool first = true;
        foreach (var level in TopicLevels.Of(rule.Filter))
        {
            if (!first)
            {
                destination[written++] = TopicLevels.Separator;
            }

            first = false;
            var value = level.SequenceEqual("%u"u8) ? client.UserNameUtf8
                : level.SequenceEqual("%c"u8) ? client.ClientIdUtf8
                : level;
            value.CopyTo(destination[written..]);
            written += value.Length;
        }

        return written;
    }
}
