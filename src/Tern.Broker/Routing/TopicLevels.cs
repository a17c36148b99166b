namespace Tern.Broker.Routing;

/// <summary>
/// Enumerates the levels of a topic name or filter, split on <c>/</c>. Empty levels are levels:
/// <c>"/a/"</c> has three, <c>""</c>, <c>"a"</c> and <c>""</c> (3.1.1 and 5.0 §4.7.1.1).
/// </summary>
internal ref struct TopicLevels
{
    private ReadOnlySpan<byte> _rest;
    private bool _done;

    public TopicLevels(ReadOnlySpan<byte> topic)
    {
        _rest = topic;
        _done = false;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    /// <summary>True while the level just returned by <see cref="MoveNext"/> is not the last.</summary>
    public readonly bool HasMore => !_done;

    public readonly TopicLevels GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_done)
        {
            return false;
        }

        int slash = _rest.IndexOf((byte)'/');
        if (slash < 0)
        {
            Current = _rest;
            _rest = default;
            _done = true;
        }
        else
        {
            Current = _rest[..slash];
            _rest = _rest[(slash + 1)..];
        }

        return true;
    }
}
