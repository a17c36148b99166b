using System.Text;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

public class TopicMatchTests
{
    /// <summary>
    /// (filter, topic name, expected). Rows marked "spec" are the non-normative examples of §4.7.1.2, §4.7.1.3 and §4.7.2,
    /// which read the same in 3.1.1 and 5.0.
    /// </summary>
    public static TheoryData<string, string, bool> Rows => new()
    {
        // spec §4.7.1.2: multi-level wildcard.
        { "sport/tennis/player1/#", "sport/tennis/player1", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/ranking", true },
        { "sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon", true },
        { "sport/tennis/player1/#", "sport/tennis/player2", false },
        { "sport/tennis/player1/#", "sport/tennis", false },
        { "sport/#", "sport", true },
        { "sport/#", "sport/", true },
        { "sport/#", "sport/tennis/player1", true },
        { "sport/#", "sports", false },
        { "sport/tennis/#", "sport/tennis", true },
        { "sport/tennis/#", "sport", false },
        { "#", "sport", true },
        { "#", "sport/tennis/player1", true },
        { "#", "/", true },

        // spec §4.7.1.3: single-level wildcard.
        { "sport/tennis/+", "sport/tennis/player1", true },
        { "sport/tennis/+", "sport/tennis/player2", true },
        { "sport/tennis/+", "sport/tennis/player1/ranking", false },
        { "sport/+", "sport", false },
        { "sport/+", "sport/", true },
        { "sport/+/player1", "sport/tennis/player1", true },
        { "+/tennis/#", "sport/tennis/player1/ranking", true },
        { "+/tennis/#", "sport/tennis", true },
        { "+", "finance", true },
        { "+/+", "/finance", true },
        { "/+", "/finance", true },
        { "+", "/finance", false },

        // spec §4.7.2: topics beginning with '$' ([MQTT-4.7.2-1]).
        { "#", "$SYS", false },
        { "#", "$SYS/monitor/Clients", false },
        { "+/monitor/Clients", "$SYS/monitor/Clients", false },
        { "+/monitor/Clients", "SYS/monitor/Clients", true },
        { "$SYS/#", "$SYS/monitor/Clients", true },
        { "$SYS/#", "$SYS", true },
        { "$SYS/monitor/+", "$SYS/monitor/Clients", true },
        { "+", "$", false },
        { "+/+", "$SYS/x", false },
        { "$SYS/monitor/Clients", "$SYS/monitor/Clients", true },
        { "a/#", "a/$SYS", true },
        { "a/+", "a/$x", true },

        // Empty levels are levels.
        { "a//b", "a//b", true },
        { "a/+/b", "a//b", true },
        { "a/b", "a//b", false },
        { "a//b", "a/b", false },
        { "/", "/", true },
        { "//", "/", false },
        { "+/+", "/", true },
        { "/+", "/", true },
        { "+", "/", false },
        { "/#", "/", true },
        { "/#", "a", false },
        { "a/", "a", false },
        { "a", "a/", false },
        { "a/#", "a/", true },
        { "a/+", "a/", true },
        { "+/+/+", "//", true },

        // Exact comparison: prefixes, case, no normalisation.
        { "sport/tennis", "sport/tennis/player1", false },
        { "sport/tennis/player1", "sport/tennis", false },
        { "Sport", "sport", false },
        { "caf\u00E9", "cafe\u0301", false },

        // Unicode levels, including the supplementary U+2A6D4 (4 UTF-8 bytes).
        { "温度/+", "温度/室内", true },
        { "+/室内", "温度/室内", true },
        { "温度", "温", false },
        { "a/\U0002A6D4", "a/\U0002A6D4", true },
        { "a/+", "a/\U0002A6D4", true },
        { "+/b", "\U0002A6D4/b", true },
        { "\U0002A6D4/#", "\U0002A6D4", true },
        { "a/\U0002A6D4", "a/\U0002A6D5", false },

        // Invalid filters and names never match.
        { "a/#/b", "a/x/b", false },
        { "a/#/b", "a/#/b", false },
        { "sport+", "sport+", false },
        { "sport+", "sportx", false },
        { "a/+", "a/+", false },
        { "#", "a/#", false },
        { "", "a", false },
        { "a", "", false },
        { "", "", false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void A_filter_matches_a_topic_name_as_section_4_7_says(string filter, string topicName, bool expected)
    {
        Assert.Equal(expected, TopicFilter.IsMatch(Encoding.UTF8.GetBytes(filter), Encoding.UTF8.GetBytes(topicName)));
    }

    [Fact]
    public void U_2A6D4_is_the_four_bytes_F0_AA_9B_94()
    {
        Assert.Equal(new byte[] { 0xF0, 0xAA, 0x9B, 0x94 }, Encoding.UTF8.GetBytes("\U0002A6D4"));
    }

    [Fact]
    public void A_shared_subscription_applies_the_dollar_rule_to_its_inner_filter_MQTT_4_7_2_1()
    {
        Assert.True(SharedSubscription.TryParse("$share/g/#"u8, out _, out var everything));
        Assert.True(SharedSubscription.TryParse("$share/g/+/monitor/Clients"u8, out _, out var monitor));

        Assert.False(TopicFilter.IsMatch(everything, "$SYS/uptime"u8));
        Assert.True(TopicFilter.IsMatch(everything, "sport/tennis"u8));
        Assert.False(TopicFilter.IsMatch(monitor, "$SYS/monitor/Clients"u8));
        Assert.True(TopicFilter.IsMatch(monitor, "SYS/monitor/Clients"u8));
    }

    [Fact]
    public void IsMatch_takes_a_share_prefix_literally_as_3_1_1_does()
    {
        // Under 3.1.1 "$share/g/#" is an ordinary filter whose first level is "$share".
        Assert.True(TopicFilter.IsMatch("$share/g/#"u8, "$share/g/x"u8));
        Assert.False(TopicFilter.IsMatch("$share/g/#"u8, "x"u8));
    }
}
