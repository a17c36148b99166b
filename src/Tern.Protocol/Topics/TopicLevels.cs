namespace Tern.Protocol.Topics;

/// <summary>
/// The levels of a Topic Name or Topic Filter, split on the topic level separator <c>/</c>, as spans into the original
/// bytes: <c>foreach (ReadOnlySpan&lt;byte&gt; level in TopicLevels.Of(topic))</c>. Nothing is allocated and nothing recurses,
/// so a topic of 65,536 empty levels costs 65,536 steps and no stack (CVE-2019-11779).
/// </summary>
/// <remarks>
/// Empty levels are real levels: <c>a//b</c> has three levels (<c>a</c>, empty, <c>b</c>), <c>/a</c> has two, and <c>/</c>
/// has two empty ones (3.1.1 and 5.0 §4.7.1.1: "Adjacent Topic level separators indicate a zero-length topic level").
/// An empty span is not a topic (both versions require at least one character, [MQTT-4.7.3-1]) and has no levels.
/// The separator byte 0x2F never occurs inside a multi-byte UTF-8 sequence, so splitting bytes splits characters correctly.
/// </remarks>
public readonly ref struct TopicLevels
{
    /// <summary>The topic level separator <c>/</c> (U+002F).</summary>
    public const byte Separator = (byte)'/';

    /// <summary>The single-level wildcard <c>+</c> (U+002B).</summary>
    public const byte SingleLevelWildcard = (byte)'+';

    /// <summary>The multi-level wildcard <c>#</c> (U+0023).</summary>
    public const byte MultiLevelWildcard = (byte)'#';

    private readonly ReadOnlySpan<byte> _topic;

    private TopicLevels(ReadOnlySpan<byte> topic) => _topic = topic;

    /// <summary>A view of the levels of a Topic Name or Topic Filter; the bytes are not checked or copied.</summary>
    public static TopicLevels Of(ReadOnlySpan<byte> topicOrFilter) => new(topicOrFilter);

    /// <summary>The number of levels: one more than the number of separators, or 0 for an empty span. O(n), vectorised.</summary>
    public static int Count(ReadOnlySpan<byte> topicOrFilter) =>
        topicOrFilter.IsEmpty ? 0 : topicOrFilter.Count(Separator) + 1;

    /// <summary>True when a level is exactly <c>+</c>, the single-level wildcard of a valid filter.</summary>
    public static bool IsSingleLevelWildcardLevel(ReadOnlySpan<byte> level) => level.Length == 1 && level[0] == SingleLevelWildcard;

    /// <summary>True when a level is exactly <c>#</c>, the multi-level wildcard of a valid filter (always its last level).</summary>
    public static bool IsMultiLevelWildcardLevel(ReadOnlySpan<byte> level) => level.Length == 1 && level[0] == MultiLevelWildcard;

    /// <summary>Enumerates the levels from first to last.</summary>
    public TopicLevelEnumerator GetEnumerator() => new(_topic);
}

/// <summary>Walks the levels of a topic left to right; see <see cref="TopicLevels"/>. Not thread-safe: one reader.</summary>
public ref struct TopicLevelEnumerator
{
    private ReadOnlySpan<byte> _rest;
    private bool _done;

    internal TopicLevelEnumerator(ReadOnlySpan<byte> topic)
    {
        _rest = topic;
        _done = topic.IsEmpty;
        Current = default;
    }

    /// <summary>The current level, possibly empty; a slice of the original bytes.</summary>
    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>Moves to the next level; false after the last one.</summary>
    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        int separator = _rest.IndexOf(TopicLevels.Separator);
        if (separator < 0)
        {
            // The last level: what follows the last separator, possibly empty ("a/" ends with an empty level).
            Current = _rest;
            _rest = default;
            _done = true;
        }
        else
        {
            Current = _rest[..separator];
            _rest = _rest[(separator + 1)..];
        }

        return true;
    }
}
