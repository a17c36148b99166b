using Tern.Protocol.Topics;

namespace Tern.Broker.Security;

/// <summary>
/// Set relations between two valid Topic Filters, read as the sets of Topic Names they match (§4.7 of 3.1.1 and 5.0):
/// whether one contains the other, and whether they share a Topic Name. Both walk the levels of the two filters
/// once, left to right: O(|a| + |b|) time, no recursion, no allocation.
/// </summary>
/// <remarks>
/// The <c>$</c> rule ([MQTT-4.7.2-1] in 3.1.1 and 5.0) is part of the sets: a filter whose first character is a
/// wildcard matches no Topic Name beginning with <c>$</c>, so <c>#</c> does not contain <c>$SYS/#</c> and does not
/// meet it either.
/// </remarks>
internal static class TopicFilterRelations
{
    /// <summary>
    /// True when every Topic Name <paramref name="filter"/> matches is matched by <paramref name="container"/>:
    /// <c>a/#</c> contains <c>a/b/#</c>, <c>a/+</c> and <c>a</c>; <c>a/b/#</c> does not contain <c>a/#</c>.
    /// </summary>
    public static bool Contains(ReadOnlySpan<byte> container, ReadOnlySpan<byte> filter)
    {
        if (container.IsEmpty || filter.IsEmpty)
        {
            return false;
        }

        // Names that start with '$' are matched only by a literal first level: a wildcard there cannot cover them.
        if (filter[0] == (byte)'$' && IsWildcard(container[0]))
        {
            return false;
        }

        var outer = TopicLevels.Of(container).GetEnumerator();
        var inner = TopicLevels.Of(filter).GetEnumerator();
        int level = 0;
        while (true)
        {
            bool hasOuter = outer.MoveNext();
            bool hasInner = inner.MoveNext();
            level++;
            if (hasOuter && TopicLevels.IsMultiLevelWildcardLevel(outer.Current))
            {
                // '#' matches this level and below, and the parent: whatever remains of the filter, even nothing.
                return true;
            }

            if (!hasInner || !hasOuter)
            {
                return !hasInner && !hasOuter;
            }

            if (TopicLevels.IsMultiLevelWildcardLevel(inner.Current))
            {
                // The filter reaches any depth here and the parent level, which only '#' covers; but when the parent
                // would be the empty name (no level before, or one forced empty level) it matches one level or more,
                // exactly as "+/#" does: "+/#" contains "#".
                bool parentIsEmptyName = level == 1 || (level == 2 && filter[0] == TopicLevels.Separator);
                return parentIsEmptyName
                    && TopicLevels.IsSingleLevelWildcardLevel(outer.Current)
                    && outer.MoveNext() && TopicLevels.IsMultiLevelWildcardLevel(outer.Current);
            }

            if (TopicLevels.IsSingleLevelWildcardLevel(inner.Current))
            {
                if (!TopicLevels.IsSingleLevelWildcardLevel(outer.Current))
                {
                    return false;
                }
            }
            else if (!TopicLevels.IsSingleLevelWildcardLevel(outer.Current) && !outer.Current.SequenceEqual(inner.Current))
            {
                return false;
            }
        }
    }

    /// <summary>
    /// True when some Topic Name is matched by both filters: <c>a/+/c</c> meets <c>a/b/#</c>; <c>a/b</c> and <c>a/c</c>
    /// do not meet; <c>#</c> and <c>$SYS/x</c> do not meet.
    /// </summary>
    public static bool Overlaps(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.IsEmpty || b.IsEmpty)
        {
            return false;
        }

        if ((a[0] == (byte)'$' && IsWildcard(b[0])) || (b[0] == (byte)'$' && IsWildcard(a[0])))
        {
            return false;
        }

        // A Topic Name has at least one character ([MQTT-4.7.3-1]): when a filter starts with '/', a name of one level
        // would be that empty level alone, the empty string, which is no name at all.
        bool firstLevelEmpty = a[0] == TopicLevels.Separator || b[0] == TopicLevels.Separator;
        var left = TopicLevels.Of(a).GetEnumerator();
        var right = TopicLevels.Of(b).GetEnumerator();
        int level = 0;
        while (true)
        {
            bool hasLeft = left.MoveNext();
            bool hasRight = right.MoveNext();
            level++;
            if ((hasLeft && TopicLevels.IsMultiLevelWildcardLevel(left.Current))
                || (hasRight && TopicLevels.IsMultiLevelWildcardLevel(right.Current)))
            {
                // '#' absorbs whatever the other side still has, including nothing (it matches its parent level);
                // "nothing" after one forced empty level would be the empty name: "/#" and "+" share no Topic Name.
                return hasLeft && hasRight || level != 2 || !firstLevelEmpty;
            }

            if (!hasLeft || !hasRight)
            {
                return !hasLeft && !hasRight;
            }

            if (!TopicLevels.IsSingleLevelWildcardLevel(left.Current)
                && !TopicLevels.IsSingleLevelWildcardLevel(right.Current)
                && !left.Current.SequenceEqual(right.Current))
            {
                return false;
            }
        }
    }

    private static bool IsWildcard(byte first) => first is TopicLevels.SingleLevelWildcard or TopicLevels.MultiLevelWildcard;
}
