using Tern.Protocol.Tests.Support;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

public class TopicFilterValidationTests
{
    private const ReasonCode Invalid = ReasonCode.TopicFilterInvalid;
    private const ReasonCode Malformed = ReasonCode.MalformedPacket;

    /// <summary>
    /// Filters every version must refuse: (name with statement id, version, filter in <see cref="Hex"/> notation,
    /// expected reason code, expected statement). 3.1.1 and 5.0 number the wildcard rules differently (§4.7.1).
    /// </summary>
    public static TheoryData<string, ProtocolVersion, string, ReasonCode, string> InvalidFilters => new()
    {
        // Zero length: [MQTT-4.7.3-1] in both versions.
        { "empty filter 3.1.1 MQTT-4.7.3-1", ProtocolVersion.V311, "", Invalid, "3.1.1 MQTT-4.7.3-1" },
        { "empty filter 3.1 uses 3.1.1 numbering", ProtocolVersion.V310, "", Invalid, "3.1.1 MQTT-4.7.3-1" },
        { "empty filter 5.0 MQTT-4.7.3-1", ProtocolVersion.V500, "", Invalid, "5.0 MQTT-4.7.3-1" },

        // '#' not alone in the last level: 3.1.1 MQTT-4.7.1-2, 5.0 MQTT-4.7.1-1 (examples of §4.7.1.2).
        { "sport/tennis# 3.1.1 MQTT-4.7.1-2", ProtocolVersion.V311, "'sport/tennis#'", Invalid, "3.1.1 MQTT-4.7.1-2" },
        { "sport/tennis# 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'sport/tennis#'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "sport/tennis/#/ranking 3.1.1 MQTT-4.7.1-2", ProtocolVersion.V311, "'sport/tennis/#/ranking'", Invalid, "3.1.1 MQTT-4.7.1-2" },
        { "sport/tennis/#/ranking 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'sport/tennis/#/ranking'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "#a 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'#a'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "## 3.1.1 MQTT-4.7.1-2", ProtocolVersion.V311, "'##'", Invalid, "3.1.1 MQTT-4.7.1-2" },
        { "#/ (an empty level after #) 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'#/'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "a/#/ 3.1.1 MQTT-4.7.1-2", ProtocolVersion.V311, "'a/#/'", Invalid, "3.1.1 MQTT-4.7.1-2" },
        { "#+ 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'#+'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "abc/#/def 3.1 MQTT-4.7.1-2", ProtocolVersion.V310, "'abc/#/def'", Invalid, "3.1.1 MQTT-4.7.1-2" },

        // '+' not alone in its level: 3.1.1 MQTT-4.7.1-3, 5.0 MQTT-4.7.1-2 (examples of §4.7.1.3).
        { "sport+ 3.1.1 MQTT-4.7.1-3", ProtocolVersion.V311, "'sport+'", Invalid, "3.1.1 MQTT-4.7.1-3" },
        { "sport+ 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'sport+'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "+sport 3.1.1 MQTT-4.7.1-3", ProtocolVersion.V311, "'+sport'", Invalid, "3.1.1 MQTT-4.7.1-3" },
        { "sport/+tennis 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'sport/+tennis'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "sport/te+nnis 3.1.1 MQTT-4.7.1-3", ProtocolVersion.V311, "'sport/te+nnis'", Invalid, "3.1.1 MQTT-4.7.1-3" },
        { "ab/+e 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'ab/+e'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "++ 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'++'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "+# 3.1.1 MQTT-4.7.1-3", ProtocolVersion.V311, "'+#'", Invalid, "3.1.1 MQTT-4.7.1-3" },
        { "/+# 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'/+#'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "a space does not make + a level of its own 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'sport/ +'", Invalid, "5.0 MQTT-4.7.1-2" },

        // Not a UTF-8 Encoded String: Malformed Packet. 3.1.1 §1.5.3, 5.0 §1.5.4 (RELIABILITY A8).
        { "U+D800 surrogate 3.1.1 MQTT-1.5.3-1", ProtocolVersion.V311, "'a/' ED A0 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "U+D800 surrogate 5.0 MQTT-1.5.4-1", ProtocolVersion.V500, "'a/' ED A0 80", Malformed, "5.0 MQTT-1.5.4-1" },
        { "overlong C0 80 5.0 MQTT-1.5.4-1", ProtocolVersion.V500, "C0 80 '/#'", Malformed, "5.0 MQTT-1.5.4-1" },
        { "F5 lead byte 3.1.1 MQTT-1.5.3-1", ProtocolVersion.V311, "'+/' F5 80 80 80", Malformed, "3.1.1 MQTT-1.5.3-1" },
        { "truncated sequence 5.0 MQTT-1.5.4-1", ProtocolVersion.V500, "'a/' E2 82", Malformed, "5.0 MQTT-1.5.4-1" },
        { "U+0000 3.1.1 MQTT-1.5.3-2", ProtocolVersion.V311, "'a/' 00 '/b'", Malformed, "3.1.1 MQTT-1.5.3-2" },
        { "U+0000 5.0 MQTT-1.5.4-2", ProtocolVersion.V500, "00", Malformed, "5.0 MQTT-1.5.4-2" },
        { "UTF-8 is checked before wildcards 5.0 MQTT-1.5.4-1", ProtocolVersion.V500, "'sport+' ED A0 80", Malformed, "5.0 MQTT-1.5.4-1" },

        // 5.0 Shared Subscriptions, §4.8.2 (RELIABILITY B14).
        { "$share//t empty ShareName 5.0 MQTT-4.8.2-1", ProtocolVersion.V500, "'$share//t'", Invalid, "5.0 MQTT-4.8.2-1" },
        { "$share/ empty ShareName 5.0 MQTT-4.8.2-1", ProtocolVersion.V500, "'$share/'", Invalid, "5.0 MQTT-4.8.2-1" },
        { "$share/p+q/t ShareName with + 5.0 MQTT-4.8.2-2", ProtocolVersion.V500, "'$share/p+q/t'", Invalid, "5.0 MQTT-4.8.2-2" },
        { "$share/#/t ShareName with # 5.0 MQTT-4.8.2-2", ProtocolVersion.V500, "'$share/#/t'", Invalid, "5.0 MQTT-4.8.2-2" },
        { "$share/+ ShareName + and no filter 5.0 MQTT-4.8.2-2", ProtocolVersion.V500, "'$share/+'", Invalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g without a filter 5.0 MQTT-4.8.2-2", ProtocolVersion.V500, "'$share/g'", Invalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g/ empty filter 5.0 MQTT-4.8.2-2", ProtocolVersion.V500, "'$share/g/'", Invalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g/a/#/b inner # misplaced 5.0 MQTT-4.7.1-1", ProtocolVersion.V500, "'$share/g/a/#/b'", Invalid, "5.0 MQTT-4.7.1-1" },
        { "$share/g/sport+ inner + misplaced 5.0 MQTT-4.7.1-2", ProtocolVersion.V500, "'$share/g/sport+'", Invalid, "5.0 MQTT-4.7.1-2" },
        { "$share/g/ with U+0000 in the filter 5.0 MQTT-1.5.4-2", ProtocolVersion.V500, "'$share/g/' 00", Malformed, "5.0 MQTT-1.5.4-2" },

        // 3.1.1 has no Shared Subscriptions: the §4.7.1 rules apply to the whole filter.
        { "$share/p+q/t 3.1.1 MQTT-4.7.1-3", ProtocolVersion.V311, "'$share/p+q/t'", Invalid, "3.1.1 MQTT-4.7.1-3" },
        { "$share/#/t 3.1.1 MQTT-4.7.1-2", ProtocolVersion.V311, "'$share/#/t'", Invalid, "3.1.1 MQTT-4.7.1-2" },
    };

    /// <summary>Filters every listed version must accept, including the non-normative examples of §4.7.</summary>
    public static TheoryData<string, ProtocolVersion, string> ValidFilters => new()
    {
        { "# alone", ProtocolVersion.V311, "'#'" },
        { "# alone 5.0", ProtocolVersion.V500, "'#'" },
        { "+ alone", ProtocolVersion.V500, "'+'" },
        { "sport/tennis/#", ProtocolVersion.V311, "'sport/tennis/#'" },
        { "sport/tennis/player1/#", ProtocolVersion.V500, "'sport/tennis/player1/#'" },
        { "+/tennis/#", ProtocolVersion.V311, "'+/tennis/#'" },
        { "sport/+/player1", ProtocolVersion.V500, "'sport/+/player1'" },
        { "+/+", ProtocolVersion.V310, "'+/+'" },
        { "/+", ProtocolVersion.V500, "'/+'" },
        { "/#", ProtocolVersion.V311, "'/#'" },
        { "+/#", ProtocolVersion.V500, "'+/#'" },
        { "$SYS/#", ProtocolVersion.V311, "'$SYS/#'" },
        { "$SYS/monitor/+", ProtocolVersion.V500, "'$SYS/monitor/+'" },
        { "a single /", ProtocolVersion.V500, "'/'" },
        { "empty levels a//b", ProtocolVersion.V311, "'a//b'" },
        { "+ between empty levels /+/", ProtocolVersion.V500, "'/+/'" },
        { "a space is a character", ProtocolVersion.V500, "'sport tennis/ /+'" },
        { "unicode levels", ProtocolVersion.V500, "'温度/+/室内'" },
        { "U+2A6D4 (F0 AA 9B 94) is accepted (mosquitto, 1.5.3.1)", ProtocolVersion.V311, "'a/' F0 AA 9B 94 '/#'" },
        { "the BOM U+FEFF is an ordinary character", ProtocolVersion.V500, "EF BB BF '/+'" },
        { "a control character is a policy, not a violation", ProtocolVersion.V500, "'a' 01 '/b'" },
        { "$share/g is an ordinary filter in 3.1.1", ProtocolVersion.V311, "'$share/g'" },
        { "$share//t is an ordinary filter in 3.1.1", ProtocolVersion.V311, "'$share//t'" },
        { "$share/consumers/sport/#", ProtocolVersion.V500, "'$share/consumers/sport/#'" },
        { "$share/g/+", ProtocolVersion.V500, "'$share/g/+'" },
        { "$share/g// (the filter / is two empty levels)", ProtocolVersion.V500, "'$share/g//'" },
        { "$share/g/$share/x/# (nested prefix is only a filter)", ProtocolVersion.V500, "'$share/g/$share/x/#'" },
        { "$share alone is not a shared subscription", ProtocolVersion.V500, "'$share'" },
        { "$SHARE/g is not a shared subscription (case-sensitive)", ProtocolVersion.V500, "'$SHARE/g'" },
    };

    [Theory]
    [MemberData(nameof(InvalidFilters))]
    public void An_invalid_topic_filter_is_refused_with_its_reason_code_and_statement(
        string name, ProtocolVersion version, string filterHex, ReasonCode expectedCode, string expectedStatement)
    {
        var violation = TopicFilter.Validate(Hex.Bytes(filterHex), version);

        Assert.False(violation.IsNone, name);
        Assert.Equal(expectedCode, violation.ReasonCode);
        Assert.Equal(expectedStatement, violation.Statement);
        Assert.False(TopicFilter.IsValid(Hex.Bytes(filterHex), version), name);
    }

    [Theory]
    [MemberData(nameof(ValidFilters))]
    public void A_valid_topic_filter_is_accepted(string name, ProtocolVersion version, string filterHex)
    {
        var violation = TopicFilter.Validate(Hex.Bytes(filterHex), version);

        Assert.True(violation.IsNone, $"{name}: {violation}");
    }

    [Fact]
    public void A_filter_of_65535_bytes_is_valid_and_one_of_65536_is_malformed_MQTT_4_7_3_3()
    {
        var longest = new byte[TopicFilter.MaxLength];
        longest.AsSpan().Fill((byte)'a');
        longest[^1] = (byte)'#';
        longest[^2] = (byte)'/';
        Assert.True(TopicFilter.Validate(longest, ProtocolVersion.V500).IsNone);

        var tooLong = new byte[TopicFilter.MaxLength + 1];
        tooLong.AsSpan().Fill((byte)'a');
        var v5 = TopicFilter.Validate(tooLong, ProtocolVersion.V500);
        var v311 = TopicFilter.Validate(tooLong, ProtocolVersion.V311);

        Assert.Equal((ReasonCode.MalformedPacket, "5.0 MQTT-4.7.3-3"), (v5.ReasonCode, v5.Statement));
        Assert.Equal((ReasonCode.MalformedPacket, "3.1.1 MQTT-4.7.3-3"), (v311.ReasonCode, v311.Statement));
    }

    [Theory]
    [InlineData("sport", false)]
    [InlineData("a//b", false)]
    [InlineData("$share/g/t", false)]
    [InlineData("#", true)]
    [InlineData("+", true)]
    [InlineData("sport/#", true)]
    [InlineData("a/+/b", true)]
    [InlineData("$share/g/+", true)]
    [InlineData("sport+", true)]
    public void HasWildcards_reports_whether_a_plus_or_hash_is_present(string filter, bool expected)
    {
        Assert.Equal(expected, TopicFilter.HasWildcards(System.Text.Encoding.UTF8.GetBytes(filter)));
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, "3.1.1 §3.9.3")]
    [InlineData(ProtocolVersion.V500, "5.0 §3.9.3")]
    public void A_filter_with_more_levels_than_the_limit_is_refused_with_0x8F(ProtocolVersion version, string statement)
    {
        Assert.True(TopicFilter.Validate("a/b/c"u8, version, maxLevels: 3).IsNone);
        Assert.True(TopicFilter.Validate("/+/"u8, version, maxLevels: 3).IsNone);

        var violation = TopicFilter.Validate("a/b/c/#"u8, version, maxLevels: 3);

        Assert.Equal(ReasonCode.TopicFilterInvalid, violation.ReasonCode);
        Assert.Equal(statement, violation.Statement);
    }

    [Fact]
    public void The_level_limit_counts_the_levels_after_the_ShareName_in_5_0()
    {
        // "$share/g/a/b" has two levels to store: a and b. The same bytes are four levels in 3.1.1.
        Assert.True(TopicFilter.Validate("$share/g/a/b"u8, ProtocolVersion.V500, maxLevels: 2).IsNone);
        Assert.False(TopicFilter.Validate("$share/g/a/b"u8, ProtocolVersion.V311, maxLevels: 2).IsNone);
    }

    [Fact]
    public void A_broken_rule_wins_over_the_level_limit()
    {
        var violation = TopicFilter.Validate("a/#/b/c"u8, ProtocolVersion.V500, maxLevels: 2);

        Assert.Equal("5.0 MQTT-4.7.1-1", violation.Statement);
    }

    [Fact]
    public void A_level_limit_below_one_is_a_caller_bug()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => TopicFilter.Validate("a"u8, ProtocolVersion.V500, maxLevels: 0));
    }
}
