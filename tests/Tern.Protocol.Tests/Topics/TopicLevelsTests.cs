using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

public class TopicLevelsTests
{
    private static string[] Levels(string topic)
    {
        var levels = new List<string>();
        foreach (var level in TopicLevels.Of(Encoding.UTF8.GetBytes(topic)))
        {
            levels.Add(Encoding.UTF8.GetString(level));
        }

        return [.. levels];
    }

    [Theory]
    [InlineData("sport/tennis/player1", new[] { "sport", "tennis", "player1" })]
    [InlineData("sport", new[] { "sport" })]
    [InlineData("/", new[] { "", "" })]
    [InlineData("/finance", new[] { "", "finance" })]
    [InlineData("a//b", new[] { "a", "", "b" })]
    [InlineData("a/", new[] { "a", "" })]
    [InlineData("//", new[] { "", "", "" })]
    [InlineData("sport/+/#", new[] { "sport", "+", "#" })]
    [InlineData("温度/\U0002A6D4", new[] { "温度", "\U0002A6D4" })]
    public void Levels_are_split_on_every_separator_and_empty_levels_are_kept(string topic, string[] expected)
    {
        Assert.Equal(expected, Levels(topic));
        Assert.Equal(expected.Length, TopicLevels.Count(Encoding.UTF8.GetBytes(topic)));
    }

    [Fact]
    public void An_empty_span_has_no_levels()
    {
        Assert.Empty(Levels(""));
        Assert.Equal(0, TopicLevels.Count(default));
    }

    [Fact]
    public void Levels_are_slices_of_the_original_bytes()
    {
        var topic = "ab/cd"u8.ToArray();
        var enumerator = TopicLevels.Of(topic).GetEnumerator();

        Assert.True(enumerator.MoveNext());
        Assert.True(Unsafe.AreSame(ref topic[0], ref MemoryMarshal.GetReference(enumerator.Current)));
        Assert.True(enumerator.MoveNext());
        Assert.True(Unsafe.AreSame(ref topic[3], ref MemoryMarshal.GetReference(enumerator.Current)));
        Assert.False(enumerator.MoveNext());
        Assert.False(enumerator.MoveNext());
    }

    [Theory]
    [InlineData("+", true, false)]
    [InlineData("#", false, true)]
    [InlineData("", false, false)]
    [InlineData("++", false, false)]
    [InlineData("a+", false, false)]
    [InlineData("#/", false, false)]
    public void Wildcard_levels_are_exactly_one_wildcard_character(string level, bool single, bool multi)
    {
        var bytes = Encoding.UTF8.GetBytes(level);

        Assert.Equal(single, TopicLevels.IsSingleLevelWildcardLevel(bytes));
        Assert.Equal(multi, TopicLevels.IsMultiLevelWildcardLevel(bytes));
    }
}
