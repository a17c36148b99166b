using System.Text;
using Tern.Broker.Security;
using Tern.Protocol.Topics;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// Containment and overlap of Topic Filters, as used for SUBSCRIBE checks: a table of named cases, then every pair of
/// small filters checked against brute force over every small Topic Name with the codec's matcher.
/// </summary>
public class TopicFilterRelationsTests
{
    [Theory]
    [InlineData("a/#", "a/b/#", true)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/#", "a/+", true)]
    [InlineData("a/b/#", "a/#", false)]
    [InlineData("a/+", "a/#", false)]
    [InlineData("a/+/#", "a/+", true)]
    [InlineData("a/+/#", "a/#", false)]
    [InlineData("+", "a", true)]
    [InlineData("+", "+", true)]
    [InlineData("a", "+", false)]
    [InlineData("#", "#", true)]
    [InlineData("#", "$SYS/#", false)]
    [InlineData("#", "+/broker", true)]
    [InlineData("+/#", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/broker/+", true)]
    [InlineData("a//b", "a/+/b", false)]
    [InlineData("a/+/b", "a//b", true)]
    public void Contains_table(string container, string filter, bool expected)
    {
        Assert.Equal(expected, TopicFilterRelations.Contains(Encoding.UTF8.GetBytes(container), Encoding.UTF8.GetBytes(filter)));
    }

    [Theory]
    [InlineData("a/+/c", "a/b/#", true)]
    [InlineData("a/b", "a/c", false)]
    [InlineData("#", "$SYS/x", false)]
    [InlineData("+/x", "$SYS/x", false)]
    [InlineData("$SYS/#", "$SYS/x", true)]
    [InlineData("a/#", "a", true)]
    [InlineData("a/+", "a", false)]
    [InlineData("+/+", "+", false)]
    [InlineData("#", "+", true)]
    public void Overlaps_table(string a, string b, bool expected)
    {
        Assert.Equal(expected, TopicFilterRelations.Overlaps(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b)));
        Assert.Equal(expected, TopicFilterRelations.Overlaps(Encoding.UTF8.GetBytes(b), Encoding.UTF8.GetBytes(a)));
    }

    [Fact]
    public void Both_relations_agree_with_brute_force_over_every_small_filter_and_topic()
    {
        // Filters: up to 3 levels over {a, b, $s, empty, +, #}. Topics: up to 4 levels over {a, b, z, $s, empty}: one level
        // deeper than any filter and a literal no filter uses, so every difference between two filters has a witness.
        var filters = Enumerate(["a", "b", "$s", "", "+", "#"], 3)
            .Where(f => f.Length > 0 && TopicFilter.IsValid(Encoding.UTF8.GetBytes(f)))
            .Select(Encoding.UTF8.GetBytes)
            .ToArray();
        var topics = Enumerate(["a", "b", "z", "$s", ""], 4)
            .Where(t => t.Length > 0)
            .Select(Encoding.UTF8.GetBytes)
            .ToArray();
        var matches = filters.Select(f => topics.Select(t => TopicFilter.IsMatch(f, t)).ToArray()).ToArray();

        for (int i = 0; i < filters.Length; i++)
        {
            for (int j = 0; j < filters.Length; j++)
            {
                bool contains = true;
                bool overlaps = false;
                for (int t = 0; t < topics.Length; t++)
                {
                    contains &= !matches[j][t] || matches[i][t];
                    overlaps |= matches[j][t] && matches[i][t];
                }

                string pair = $"'{Encoding.UTF8.GetString(filters[i])}' and '{Encoding.UTF8.GetString(filters[j])}'";
                Assert.True(contains == TopicFilterRelations.Contains(filters[i], filters[j]), $"Contains {pair}: expected {contains}");
                Assert.True(overlaps == TopicFilterRelations.Overlaps(filters[i], filters[j]), $"Overlaps {pair}: expected {overlaps}");
            }
        }
    }

    // Every '/'-joined sequence of 1..maxLevels levels.
    private static IEnumerable<string> Enumerate(string[] levels, int maxLevels)
    {
        IEnumerable<string> current = levels;
        for (int depth = 1; depth <= maxLevels; depth++)
        {
            foreach (string item in current)
            {
                yield return item;
            }

            current = current.SelectMany(prefix => levels.Select(level => prefix + "/" + level)).ToList();
        }
    }
}
