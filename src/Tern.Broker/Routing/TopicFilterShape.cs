namespace Tern.Broker.Routing;

/// <summary>
/// The minimal filter checks the tree needs to stay well-formed, and the <c>$share/</c> split. The broker validates
/// filters fully (UTF-8, length, per-version rules, reason codes) before calling the tree; a filter that fails here is
/// a caller bug and throws <see cref="ArgumentException"/>.
/// </summary>
internal static class TopicFilterShape
{
    private static ReadOnlySpan<byte> SharePrefix => "$share/"u8;

    /// <summary>
    /// Splits <c>$share/{ShareName}/{filter}</c> (5.0 §4.8.2). Returns false for a non-shared filter (including
    /// <c>$share</c> without a following <c>/</c>, which is an ordinary filter). Throws for a shared filter whose
    /// ShareName is empty or holds a wildcard, or that has no topic filter after the ShareName ([MQTT-4.8.2-1],
    /// [MQTT-4.8.2-2] in 5.0).
    /// </summary>
    public static bool TrySplitShared(ReadOnlySpan<byte> filter, out ReadOnlySpan<byte> shareName, out ReadOnlySpan<byte> topicFilter)
    {
        if (!filter.StartsWith(SharePrefix))
        {
            shareName = default;
            topicFilter = filter;
            return false;
        }

        var rest = filter[SharePrefix.Length..];
        int slash = rest.IndexOf((byte)'/');
        if (slash <= 0)
        {
            throw new ArgumentException("A shared subscription needs $share/{ShareName}/{filter} with a non-empty ShareName (5.0 MQTT-4.8.2-1).", nameof(filter));
        }

        shareName = rest[..slash];
        if (shareName.IndexOfAny((byte)'+', (byte)'#') >= 0)
        {
            throw new ArgumentException("A ShareName must not contain + or # (5.0 MQTT-4.8.2-2).", nameof(filter));
        }

        topicFilter = rest[(slash + 1)..];
        return true;
    }

    /// <summary>
    /// Throws unless the filter is non-empty ([MQTT-4.7.3-1]), every wildcard occupies a whole level
    /// ([MQTT-4.7.1-3] for <c>+</c>) and <c>#</c> is the last level ([MQTT-4.7.1-2]); same ids in 3.1.1 and 5.0.
    /// </summary>
    public static void ThrowIfMalformed(ReadOnlySpan<byte> topicFilter)
    {
        if (topicFilter.IsEmpty)
        {
            throw new ArgumentException("A topic filter is at least one byte long (MQTT-4.7.3-1).", nameof(topicFilter));
        }

        var levels = new TopicLevels(topicFilter);
        while (levels.MoveNext())
        {
            var level = levels.Current;
            if (level.IndexOfAny((byte)'+', (byte)'#') < 0)
            {
                continue;
            }

            if (level.Length != 1)
            {
                throw new ArgumentException("A wildcard must occupy a whole topic level (MQTT-4.7.1-2, MQTT-4.7.1-3).", nameof(topicFilter));
            }

            if (level[0] == (byte)'#' && levels.HasMore)
            {
                throw new ArgumentException("The multi-level wildcard # must be the last level of a filter (MQTT-4.7.1-2).", nameof(topicFilter));
            }
        }
    }
}
