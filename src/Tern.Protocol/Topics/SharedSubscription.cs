namespace Tern.Protocol.Topics;

/// <summary>
/// MQTT 5.0 Shared Subscriptions (§4.8.2): a Topic Filter of the form <c>$share/{ShareName}/{filter}</c>, where the
/// ShareName names the group of Sessions that share the messages matching <c>{filter}</c>.
/// </summary>
/// <remarks>
/// <para>
/// [MQTT-4.8.2-1]: the filter MUST start with <c>$share/</c> and hold a ShareName of at least one character.
/// [MQTT-4.8.2-2]: the ShareName MUST NOT contain <c>/</c>, <c>+</c> or <c>#</c>, and MUST be followed by <c>/</c> and a
/// Topic Filter. A broken rule is 0x8F Topic Filter invalid. The prefix is case-sensitive like every topic:
/// <c>$SHARE/g/t</c> is an ordinary filter.
/// </para>
/// <para>
/// The topic filter after the ShareName is what the Server matches, so the <c>$</c> rule ([MQTT-4.7.2-1]) applies to it:
/// <c>$share/g/#</c> does not receive <c>$SYS/uptime</c>. It may itself start with <c>$share/</c>; the specification does
/// not forbid it, and such a filter simply matches topics whose first level is <c>$share</c>.
/// </para>
/// <para>MQTT 3.1.1 has no Shared Subscriptions; this type always uses 5.0 numbering.</para>
/// </remarks>
public static class SharedSubscription
{
    /// <summary>The prefix <c>$share/</c> that marks a Shared Subscription.</summary>
    public static ReadOnlySpan<byte> Prefix => "$share/"u8;

    /// <summary>
    /// True when the filter starts with <c>$share/</c>, that is when a 5.0 Server must treat it as a Shared Subscription
    /// (valid or not). Says nothing about validity: use <see cref="TryParse(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, out ReadOnlySpan{byte}, out ProtocolViolation)"/>.
    /// </summary>
    public static bool IsShared(ReadOnlySpan<byte> filter) => filter.StartsWith(Prefix);

    /// <summary>Splits a valid Shared Subscription filter into its ShareName and topic filter; false when it is not one.</summary>
    /// <param name="filter">The whole filter, e.g. <c>$share/consumers/sport/#</c>.</param>
    /// <param name="shareName">The ShareName (<c>consumers</c>), a slice of <paramref name="filter"/>; empty on failure.</param>
    /// <param name="topicFilter">The topic filter after the ShareName (<c>sport/#</c>); empty on failure.</param>
    public static bool TryParse(ReadOnlySpan<byte> filter, out ReadOnlySpan<byte> shareName, out ReadOnlySpan<byte> topicFilter) =>
        TryParse(filter, out shareName, out topicFilter, out _);

    /// <summary>
    /// Splits and validates a Shared Subscription filter: the whole filter is a valid UTF-8 string of 1 to 65,535 bytes,
    /// starts with <c>$share/</c>, holds a ShareName of at least one character without <c>/</c>, <c>+</c> or <c>#</c>,
    /// then <c>/</c> and a non-empty topic filter that obeys the wildcard rules of §4.7.1. Allocates nothing.
    /// </summary>
    /// <param name="filter">The whole filter, e.g. <c>$share/consumers/sport/#</c>.</param>
    /// <param name="shareName">The ShareName, a slice of <paramref name="filter"/>; empty on failure.</param>
    /// <param name="topicFilter">The topic filter after the ShareName, a slice of <paramref name="filter"/>; empty on failure.</param>
    /// <param name="violation">
    /// Why it is not a valid Shared Subscription: 0x8F for a broken §4.7 or §4.8.2 rule (a filter that does not start with
    /// <c>$share/</c> at all is reported under [MQTT-4.8.2-1]), 0x81 for a filter that is not well-formed UTF-8.
    /// </param>
    public static bool TryParse(
        ReadOnlySpan<byte> filter,
        out ReadOnlySpan<byte> shareName,
        out ReadOnlySpan<byte> topicFilter,
        out ProtocolViolation violation)
    {
        shareName = default;
        topicFilter = default;
        violation = TopicFilter.CheckString(filter, v5: true);
        if (!violation.IsNone)
        {
            return false;
        }

        if (!IsShared(filter))
        {
            violation = new ProtocolViolation(ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1", "shared subscription filter does not start with $share/");
            return false;
        }

        violation = Split(filter, out var name, out var inner);
        if (violation.IsNone)
        {
            violation = TopicFilter.CheckWildcards(inner, v5: true);
        }

        if (!violation.IsNone)
        {
            return false;
        }

        shareName = name;
        topicFilter = inner;
        return true;
    }

    /// <summary>
    /// Splits a filter known to start with <c>$share/</c> into ShareName and topic filter and checks the §4.8.2 rules,
    /// leaving the wildcard rules of the topic filter to the caller.
    /// </summary>
    internal static ProtocolViolation Split(ReadOnlySpan<byte> filter, out ReadOnlySpan<byte> shareName, out ReadOnlySpan<byte> topicFilter)
    {
        var rest = filter[Prefix.Length..];
        int separator = rest.IndexOf(TopicLevels.Separator);
        shareName = separator < 0 ? rest : rest[..separator];
        topicFilter = separator < 0 ? default : rest[(separator + 1)..];

        if (shareName.IsEmpty)
        {
            // "$share/" and "$share//t".
            return new ProtocolViolation(ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1", "empty ShareName in a shared subscription");
        }

        if (shareName.IndexOfAny(TopicLevels.SingleLevelWildcard, TopicLevels.MultiLevelWildcard) >= 0)
        {
            // "$share/p+q/t", "$share/#/t".
            return new ProtocolViolation(ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2", "'+' or '#' in the ShareName of a shared subscription");
        }

        if (separator < 0)
        {
            // "$share/g": the ShareName must be followed by "/" and a Topic Filter.
            return new ProtocolViolation(ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2", "shared subscription without a topic filter after the ShareName");
        }

        if (topicFilter.IsEmpty)
        {
            // "$share/g/": the "/" must be followed by a Topic Filter, and a Topic Filter has at least one character.
            return new ProtocolViolation(ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2", "empty topic filter after the ShareName of a shared subscription");
        }

        return default;
    }
}
