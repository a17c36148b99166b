namespace Tern.Protocol.Topics;

public static partial class TopicFilter
{
    /// <summary>
    /// True when the Topic Filter matches the Topic Name, by the rules of §4.7 (identical in 3.1.1 and 5.0):
    /// <list type="bullet">
    /// <item><c>+</c> matches exactly one level, which may be empty: <c>sport/+</c> matches <c>sport/</c> but not <c>sport</c>.</item>
    /// <item><c>#</c> matches its parent level and any number of child levels: <c>sport/#</c> matches <c>sport</c>,
    /// <c>sport/</c> and <c>sport/tennis/player1</c>.</item>
    /// <item>A filter whose first character is a wildcard never matches a Topic Name beginning with <c>$</c>
    /// ([MQTT-4.7.2-1] in both versions): <c>#</c> and <c>+/monitor/Clients</c> do not match <c>$SYS/monitor/Clients</c>,
    /// <c>$SYS/#</c> does.</item>
    /// <item>Empty levels are levels: <c>/+</c> and <c>+/+</c> match <c>/finance</c>, <c>+</c> does not.</item>
    /// <item>Other levels compare byte for byte, case-sensitively, with no normalisation ([MQTT-4.7.3-4] in 5.0).</item>
    /// </list>
    /// </summary>
    /// <remarks>
    /// <para>
    /// Complexity: a filter without wildcards is one vectorised comparison. Otherwise one left-to-right pass over both
    /// inputs: each step takes one level from each side with a vectorised search for <c>/</c> and compares the two
    /// levels once, so the cost is O(|filter| + |topicName|) time and O(1) space, without recursion: 65,536 empty
    /// levels cost 65,536 steps and no stack (CVE-2019-11779). No allocation.
    /// </para>
    /// <para>
    /// Never throws. Inputs that are not a valid pair return false rather than a guess: an empty filter or name,
    /// a name containing <c>+</c> or <c>#</c>, a filter with a misplaced wildcard (<c>a/#/b</c>, <c>sport+</c>).
    /// UTF-8 is not checked here; <see cref="Validate(ReadOnlySpan{byte}, ProtocolVersion)"/> and
    /// <see cref="TopicName.Validate(ReadOnlySpan{byte}, ProtocolVersion)"/> do that when the packet is decoded.
    /// </para>
    /// <para>
    /// The filter is taken literally, as in 3.1.1. For a 5.0 Shared Subscription pass the topic filter that
    /// <see cref="SharedSubscription.TryParse(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, out ReadOnlySpan{byte})"/>
    /// returns: the <c>$</c> rule then applies to that filter, so <c>$share/g/#</c> does not match <c>$SYS/x</c>.
    /// </para>
    /// </remarks>
    public static bool IsMatch(ReadOnlySpan<byte> filter, ReadOnlySpan<byte> topicName)
    {
        if (filter.IsEmpty || topicName.IsEmpty
            || topicName.IndexOfAny(TopicLevels.SingleLevelWildcard, TopicLevels.MultiLevelWildcard) >= 0)
        {
            return false;
        }

        if (topicName[0] == (byte)'$' && filter[0] is TopicLevels.SingleLevelWildcard or TopicLevels.MultiLevelWildcard)
        {
            return false;
        }

        if (!HasWildcards(filter))
        {
            // A filter without wildcards matches exactly the Topic Name equal to it, level separators included.
            return filter.SequenceEqual(topicName);
        }

        // Invariant at the top of the loop: both spans start at the beginning of a level that exists (a span left empty
        // after a separator is an empty last level, not the end).
        while (true)
        {
            int filterEnd = filter.IndexOf(TopicLevels.Separator);
            var filterLevel = filterEnd < 0 ? filter : filter[..filterEnd];

            if (TopicLevels.IsMultiLevelWildcardLevel(filterLevel))
            {
                // '#' matches this level and everything below it, but only as the filter's last level.
                return filterEnd < 0;
            }

            int topicEnd = topicName.IndexOf(TopicLevels.Separator);
            var topicLevel = topicEnd < 0 ? topicName : topicName[..topicEnd];

            // A literal level equal to a topic level holds no wildcard, because the topic holds none: a misplaced
            // wildcard ("sport+") therefore never matches.
            if (!TopicLevels.IsSingleLevelWildcardLevel(filterLevel) && !filterLevel.SequenceEqual(topicLevel))
            {
                return false;
            }

            if (filterEnd < 0)
            {
                return topicEnd < 0;
            }

            filter = filter[(filterEnd + 1)..];
            if (topicEnd < 0)
            {
                // The topic has no more levels; only "#" can match nothing more ("sport/#" matches "sport").
                return TopicLevels.IsMultiLevelWildcardLevel(filter);
            }

            topicName = topicName[(topicEnd + 1)..];
        }
    }
}
