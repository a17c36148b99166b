namespace Tern.Protocol.Topics;

/// <summary>
/// Rules for Topic Filters, the expressions of SUBSCRIBE and UNSUBSCRIBE (3.1.1 and 5.0 §4.7), on UTF-8 bytes without
/// allocating. Validation is here; matching a filter against a Topic Name is in <c>TopicFilter.Match.cs</c>.
/// </summary>
/// <remarks>
/// <para>Statement numbers differ between the versions and are cited per version:</para>
/// <list type="table">
/// <listheader><term>Rule</term><description>3.1.1 / 5.0</description></listheader>
/// <item><term><c>#</c> alone in its level and last</term><description>MQTT-4.7.1-2 / MQTT-4.7.1-1</description></item>
/// <item><term><c>+</c> alone in its level</term><description>MQTT-4.7.1-3 / MQTT-4.7.1-2</description></item>
/// <item><term>at least one character</term><description>MQTT-4.7.3-1 / MQTT-4.7.3-1</description></item>
/// <item><term>at most 65,535 bytes</term><description>MQTT-4.7.3-3 / MQTT-4.7.3-3</description></item>
/// <item><term>well-formed UTF-8, no U+0000</term><description>MQTT-1.5.3-1, -2 / MQTT-1.5.4-1, -2</description></item>
/// </list>
/// <para>
/// Reason codes: a filter that breaks a rule of §4.7 or §4.8.2 gets 0x8F Topic Filter invalid, which a 5.0 Server sends
/// in the SUBACK for that filter alone (a 3.1.1 Server answers 0x80 Failure, or closes). A filter that is not a valid
/// UTF-8 Encoded String makes the whole packet a Malformed Packet (0x81), as everywhere else in the codec
/// (5.0 §1.5.4; 3.1.1 closes the connection).
/// </para>
/// <para>
/// MQTT 3.1 (level 3) follows the 3.1.1 rules and numbering. Shared Subscriptions exist only in 5.0: under 3.1.1 a filter
/// <c>$share/g/t</c> is an ordinary filter whose first level is <c>$share</c>.
/// </para>
/// </remarks>
public static partial class TopicFilter
{
    /// <summary>The longest filter a 2-byte length prefix can carry ([MQTT-4.7.3-3]).</summary>
    public const int MaxLength = ushort.MaxValue;

    /// <summary>
    /// Validates a Topic Filter: at least one byte, at most 65,535 bytes, well-formed UTF-8 without U+0000, <c>#</c> only
    /// as a whole last level and <c>+</c> only as a whole level. Under 5.0 a filter starting with <c>$share/</c> must also
    /// be a valid Shared Subscription (<see cref="SharedSubscription.TryParse(ReadOnlySpan{byte}, out ReadOnlySpan{byte}, out ReadOnlySpan{byte}, out ProtocolViolation)"/>).
    /// O(n) and vectorised; allocates nothing.
    /// </summary>
    /// <returns>The first rule broken, or the default value (<see cref="ProtocolViolation.IsNone"/>) for a valid filter.</returns>
    public static ProtocolViolation Validate(ReadOnlySpan<byte> filter, ProtocolVersion version) =>
        Validate(filter, version == ProtocolVersion.V500, out _);

    /// <summary>
    /// Validates a Topic Filter as <see cref="Validate(ReadOnlySpan{byte}, ProtocolVersion)"/> does, then refuses one with
    /// more than <paramref name="maxLevels"/> levels. For a 5.0 Shared Subscription the levels of the filter after the
    /// ShareName are counted, since those are the levels a subscription tree stores.
    /// </summary>
    /// <remarks>
    /// The specification sets no limit on levels; the limit is the Server's defence against deep topics
    /// (CVE-2019-11779: 65,535 levels overflowed a recursive matcher). A filter over the limit is correctly formed but not
    /// accepted, which is what 0x8F means in a 5.0 SUBACK (§3.9.3); a 3.1.1 Server answers 0x80 Failure (§3.9.3).
    /// </remarks>
    /// <param name="filter">The filter bytes.</param>
    /// <param name="version">The protocol version whose rules and numbering apply.</param>
    /// <param name="maxLevels">The most levels accepted, at least 1 (EMQX uses 128).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLevels"/> is less than 1.</exception>
    public static ProtocolViolation Validate(ReadOnlySpan<byte> filter, ProtocolVersion version, int maxLevels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLevels, 1);
        bool v5 = version == ProtocolVersion.V500;
        var violation = Validate(filter, v5, out var levels);
        if (!violation.IsNone)
        {
            return violation;
        }

        return TopicLevels.Count(levels) > maxLevels
            ? new ProtocolViolation(ReasonCode.TopicFilterInvalid, v5 ? "5.0 §3.9.3" : "3.1.1 §3.9.3", "topic filter has more levels than the server allows")
            : default;
    }

    /// <summary>True for a valid Topic Filter.</summary>
    public static bool IsValid(ReadOnlySpan<byte> filter, ProtocolVersion version = ProtocolVersion.V500) => Validate(filter, version).IsNone;

    /// <summary>
    /// True when the filter contains a wildcard character <c>+</c> or <c>#</c>, that is when it can match more than one
    /// Topic Name. A valid filter without wildcards matches exactly the Topic Name equal to it. A ShareName cannot
    /// contain wildcards, so for a Shared Subscription this is a question about the filter after the ShareName.
    /// </summary>
    public static bool HasWildcards(ReadOnlySpan<byte> filter) =>
        filter.IndexOfAny(TopicLevels.SingleLevelWildcard, TopicLevels.MultiLevelWildcard) >= 0;

    /// <summary>Validates and, for a 5.0 Shared Subscription, returns the filter after the ShareName in <paramref name="levels"/>.</summary>
    private static ProtocolViolation Validate(ReadOnlySpan<byte> filter, bool v5, out ReadOnlySpan<byte> levels)
    {
        levels = filter;
        var violation = CheckString(filter, v5);
        if (!violation.IsNone)
        {
            return violation;
        }

        if (v5 && SharedSubscription.IsShared(filter))
        {
            violation = SharedSubscription.Split(filter, out _, out levels);
            if (!violation.IsNone)
            {
                levels = filter;
                return violation;
            }
        }

        return CheckWildcards(levels, v5);
    }

    /// <summary>The rules every Topic Filter obeys as a string: non-empty, at most 65,535 bytes, well-formed UTF-8, no U+0000.</summary>
    internal static ProtocolViolation CheckString(ReadOnlySpan<byte> filter, bool v5)
    {
        if (filter.IsEmpty)
        {
            return new ProtocolViolation(ReasonCode.TopicFilterInvalid, v5 ? "5.0 MQTT-4.7.3-1" : "3.1.1 MQTT-4.7.3-1", "zero-length topic filter");
        }

        if (filter.Length > MaxLength)
        {
            return ProtocolViolation.Malformed(v5 ? "5.0 MQTT-4.7.3-3" : "3.1.1 MQTT-4.7.3-3", "topic filter longer than 65,535 bytes");
        }

        return Utf8Rules.Check(filter) switch
        {
            Utf8Status.IllFormed => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-1" : "3.1.1 MQTT-1.5.3-1", "ill-formed UTF-8 in a topic filter"),
            Utf8Status.NullCharacter => ProtocolViolation.Malformed(v5 ? "5.0 MQTT-1.5.4-2" : "3.1.1 MQTT-1.5.3-2", "U+0000 in a topic filter"),
            _ => default,
        };
    }

    /// <summary>
    /// The wildcard rules of §4.7.1: <c>#</c> is a whole level and the last character; <c>+</c> is a whole level.
    /// One forward pass that jumps from wildcard to wildcard with a vectorised search: O(n), no recursion.
    /// </summary>
    internal static ProtocolViolation CheckWildcards(ReadOnlySpan<byte> filter, bool v5)
    {
        int offset = 0;
        while (true)
        {
            int found = filter[offset..].IndexOfAny(TopicLevels.SingleLevelWildcard, TopicLevels.MultiLevelWildcard);
            if (found < 0)
            {
                return default;
            }

            int i = offset + found;
            bool startsLevel = i == 0 || filter[i - 1] == TopicLevels.Separator;
            bool isLast = i == filter.Length - 1;
            if (filter[i] == TopicLevels.MultiLevelWildcard)
            {
                // "sport/tennis#" and "sport/tennis/#/ranking" are not valid (non-normative examples of §4.7.1.2).
                return startsLevel && isLast
                    ? default
                    : new ProtocolViolation(
                        ReasonCode.TopicFilterInvalid,
                        v5 ? "5.0 MQTT-4.7.1-1" : "3.1.1 MQTT-4.7.1-2",
                        "multi-level wildcard '#' not alone in the last level of a topic filter");
            }

            // "sport+" is not valid (non-normative example of §4.7.1.3).
            if (!startsLevel || !(isLast || filter[i + 1] == TopicLevels.Separator))
            {
                return new ProtocolViolation(
                    ReasonCode.TopicFilterInvalid,
                    v5 ? "5.0 MQTT-4.7.1-2" : "3.1.1 MQTT-4.7.1-3",
                    "single-level wildcard '+' not alone in its level of a topic filter");
            }

            offset = i + 1;
        }
    }
}
