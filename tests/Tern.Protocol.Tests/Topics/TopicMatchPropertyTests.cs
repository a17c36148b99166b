using System.Text;
using CsCheck;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

public class TopicMatchPropertyTests
{
    // Level text from pieces that exercise the edges: '$' (first character rule), a space, 2-, 3- and 4-byte UTF-8
    // (U+2A6D4), the BOM. Empty levels come from zero pieces.
    private static readonly Gen<string> Level =
        Gen.OneOfConst("a", "b", "sport", "$", " ", "\u00E9", "温", "\U0002A6D4", "\uFEFF").Array[0, 3].Select(string.Concat);

    /// <summary>Valid Topic Names as their levels: 1 to 8 levels, not all of them empty when there is only one.</summary>
    private static readonly Gen<string[]> ValidTopics =
        Level.Array[1, 8].Where(levels => levels.Length > 1 || levels[0].Length > 0);

    // A small alphabet in which random strings often form filters, names and near misses.
    private static readonly Gen<byte[]> StructuredBytes = Gen.OneOfConst((byte)'/', (byte)'+', (byte)'#', (byte)'$', (byte)'a', (byte)'b').Array[0, 10];

    // Filters and names built from a few levels each, so that matches are common; filters include misplaced wildcards.
    private static readonly Gen<byte[]> FilterByLevels =
        Gen.OneOfConst("", "a", "b", "$a", "+", "+", "#", "a#", "+a").Array[1, 4].Select(levels => Utf8(string.Join('/', levels)));

    private static readonly Gen<byte[]> NameByLevels =
        Gen.OneOfConst("", "a", "b", "$a").Array[1, 4].Select(levels => Utf8(string.Join('/', levels)));

    private static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_filter_equal_to_a_valid_topic_name_matches_it()
    {
        ValidTopics.Sample(levels =>
        {
            var topic = Utf8(string.Join('/', levels));
            Assert.True(TopicName.IsValid(topic), "generator produced an invalid topic name");
            Assert.True(TopicFilter.IsValid(topic));
            Assert.True(TopicFilter.IsMatch(topic, topic));
        }, iter: 2_000);
    }

    [Fact]
    public void Hash_matches_every_topic_name_not_starting_with_dollar_MQTT_4_7_2_1()
    {
        ValidTopics.Sample(levels =>
        {
            var topic = Utf8(string.Join('/', levels));
            Assert.Equal(topic[0] != (byte)'$', TopicFilter.IsMatch("#"u8, topic));
        }, iter: 2_000);
    }

    [Fact]
    public void Replacing_any_one_level_with_plus_still_matches()
    {
        ValidTopics.SelectMany(levels => Gen.Int[0, levels.Length - 1].Select(i => (levels, i))).Sample((levels, i) =>
        {
            var topic = Utf8(string.Join('/', levels));
            var filterLevels = (string[])levels.Clone();
            filterLevels[i] = "+";
            var filter = Utf8(string.Join('/', filterLevels));

            // The one exception is the first level of a '$' topic ([MQTT-4.7.2-1]).
            bool expected = !(i == 0 && topic[0] == (byte)'$');
            Assert.Equal(expected, TopicFilter.IsMatch(filter, topic));
        }, iter: 2_000);
    }

    [Fact]
    public void Replacing_any_suffix_of_levels_with_hash_still_matches()
    {
        ValidTopics.SelectMany(levels => Gen.Int[0, levels.Length].Select(keep => (levels, keep))).Sample((levels, keep) =>
        {
            var topic = Utf8(string.Join('/', levels));
            var filter = Utf8(string.Join('/', levels.Take(keep).Append("#")));

            bool expected = !(keep == 0 && topic[0] == (byte)'$');
            Assert.Equal(expected, TopicFilter.IsMatch(filter, topic));
        }, iter: 2_000);
    }

    [Fact]
    public void IsMatch_and_Validate_never_throw_on_random_bytes()
    {
        Gen.Select(Gen.Byte.Array[0, 24], Gen.Byte.Array[0, 24]).Sample((filter, topic) =>
        {
            _ = TopicFilter.IsMatch(filter, topic);
            _ = TopicFilter.Validate(filter, ProtocolVersion.V311);
            _ = TopicFilter.Validate(filter, ProtocolVersion.V500, maxLevels: 3);
            _ = SharedSubscription.TryParse(filter, out _, out _, out _);
            _ = TopicName.Validate(topic, ProtocolVersion.V500, maxLevels: 3);
        }, iter: 20_000);
    }

    [Fact]
    public void IsMatch_agrees_with_a_level_by_level_reference_on_small_alphabets()
    {
        int matches = 0;
        Gen.Select(FilterByLevels, NameByLevels).Sample((filter, topic) =>
        {
            bool expected = ReferenceMatch(Encoding.ASCII.GetString(filter), Encoding.ASCII.GetString(topic));
            bool actual = TopicFilter.IsMatch(filter, topic);
            Assert.Equal(expected, actual);
            if (actual)
            {
                // A match implies a valid filter and a valid name: IsMatch never guesses about invalid input.
                Assert.True(TopicFilter.IsValid(filter, ProtocolVersion.V311));
                Assert.True(TopicName.IsValid(topic, ProtocolVersion.V311));
                Interlocked.Increment(ref matches);
            }
        }, iter: 20_000);

        // Guards against a generator that never produces a match, which would make the test vacuous.
        Assert.True(matches > 500, $"only {matches} matches in 20,000 samples");
    }

    [Fact]
    public void IsMatch_agrees_with_the_reference_when_names_may_hold_wildcards_too()
    {
        Gen.Select(StructuredBytes, StructuredBytes).Sample((filter, topic) =>
            Assert.Equal(
                ReferenceMatch(Encoding.ASCII.GetString(filter), Encoding.ASCII.GetString(topic)),
                TopicFilter.IsMatch(filter, topic)),
            iter: 20_000);
    }

    /// <summary>
    /// §4.7 written the obvious way, with strings and arrays: split both on '/', walk the levels. Independent of the
    /// code under test, including its own filter validity check.
    /// </summary>
    private static bool ReferenceMatch(string filter, string topic)
    {
        if (filter.Length == 0 || topic.Length == 0 || topic.Contains('+', StringComparison.Ordinal) || topic.Contains('#', StringComparison.Ordinal))
        {
            return false;
        }

        var f = filter.Split('/');
        var t = topic.Split('/');
        for (int i = 0; i < f.Length; i++)
        {
            bool wildcard = f[i] is "+" or "#";
            if (!wildcard && (f[i].Contains('+', StringComparison.Ordinal) || f[i].Contains('#', StringComparison.Ordinal)))
            {
                return false;
            }

            if (f[i] == "#" && i != f.Length - 1)
            {
                return false;
            }
        }

        if (topic[0] == '$' && filter[0] is '+' or '#')
        {
            return false;
        }

        for (int i = 0; i < f.Length; i++)
        {
            if (f[i] == "#")
            {
                return true;
            }

            if (i >= t.Length || (f[i] != "+" && f[i] != t[i]))
            {
                return false;
            }
        }

        return f.Length == t.Length;
    }
}
