namespace Tern.Broker.Limits;

/// <summary><see cref="BrokerOptions.MaxTopicLength"/> and <see cref="BrokerOptions.MaxTopicLevels"/> for topic names and filters.</summary>
internal static class TopicLimits
{
    /// <summary>The limit <paramref name="topic"/> breaks (a <see cref="LimitNames"/> value), or null when it is within both.</summary>
    public static string? Exceeded(ReadOnlySpan<byte> topic, int maxLength, int maxLevels)
    {
        if (topic.Length > maxLength)
        {
            return LimitNames.TopicLength;
        }

        // Levels are the separators plus one; counting is vectorised and allocates nothing.
        return topic.Count((byte)'/') + 1 > maxLevels ? LimitNames.TopicLevels : null;
    }
}
