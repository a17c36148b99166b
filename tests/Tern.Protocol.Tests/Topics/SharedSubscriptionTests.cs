using Tern.Protocol.Tests.Support;
using Tern.Protocol.Topics;

namespace Tern.Protocol.Tests.Topics;

public class SharedSubscriptionTests
{
    /// <summary>(name with statement id, filter in <see cref="Hex"/> notation, expected reason code, expected statement).</summary>
    public static TheoryData<string, string, ReasonCode, string> Invalid => new()
    {
        { "$share//t: empty ShareName MQTT-4.8.2-1", "'$share//t'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1" },
        { "$share/: empty ShareName MQTT-4.8.2-1", "'$share/'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1" },
        { "$share/p+q/t: + in ShareName MQTT-4.8.2-2", "'$share/p+q/t'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g#/t: # in ShareName MQTT-4.8.2-2", "'$share/g#/t'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g: no / and filter MQTT-4.8.2-2", "'$share/g'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g/: empty filter MQTT-4.8.2-2", "'$share/g/'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-2" },
        { "$share/g/a/#/b: inner # misplaced MQTT-4.7.1-1", "'$share/g/a/#/b'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.7.1-1" },
        { "$share/g/a+: inner + misplaced MQTT-4.7.1-2", "'$share/g/a+'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.7.1-2" },
        { "sport/#: not shared MQTT-4.8.2-1", "'sport/#'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1" },
        { "$SHARE/g/t: the prefix is case-sensitive MQTT-4.8.2-1", "'$SHARE/g/t'", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.8.2-1" },
        { "empty: MQTT-4.7.3-1", "", ReasonCode.TopicFilterInvalid, "5.0 MQTT-4.7.3-1" },
        { "surrogate in the ShareName: MQTT-1.5.4-1", "'$share/' ED A0 80 '/t'", ReasonCode.MalformedPacket, "5.0 MQTT-1.5.4-1" },
    };

    [Theory]
    [MemberData(nameof(Invalid))]
    public void An_invalid_shared_subscription_is_refused_with_its_reason_code_and_statement(
        string name, string filterHex, ReasonCode expectedCode, string expectedStatement)
    {
        var filter = Hex.Bytes(filterHex);

        Assert.False(SharedSubscription.TryParse(filter, out var shareName, out var topicFilter, out var violation), name);
        Assert.Equal(expectedCode, violation.ReasonCode);
        Assert.Equal(expectedStatement, violation.Statement);
        Assert.True(shareName.IsEmpty && topicFilter.IsEmpty);
        Assert.False(SharedSubscription.TryParse(filter, out _, out _));
    }

    [Theory]
    [InlineData("$share/consumers/sport/#", "consumers", "sport/#")]
    [InlineData("$share/g/+", "g", "+")]
    [InlineData("$share/g/#", "g", "#")]
    [InlineData("$share/g//", "g", "/")]
    [InlineData("$share/g/$SYS/#", "g", "$SYS/#")]
    [InlineData("$share/g/$share/h/t", "g", "$share/h/t")]
    [InlineData("$share/温度 g/a b", "温度 g", "a b")]
    [InlineData("$share/$share/t", "$share", "t")]
    public void A_valid_shared_subscription_splits_into_ShareName_and_topic_filter(string filter, string shareName, string topicFilter)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(filter);

        Assert.True(SharedSubscription.TryParse(bytes, out var name, out var inner, out var violation), violation.ToString());
        Assert.True(violation.IsNone);
        Assert.Equal(shareName, System.Text.Encoding.UTF8.GetString(name));
        Assert.Equal(topicFilter, System.Text.Encoding.UTF8.GetString(inner));
        Assert.True(SharedSubscription.IsShared(bytes));
        Assert.True(TopicFilter.IsValid(bytes, ProtocolVersion.V500));
    }

    [Theory]
    [InlineData("$share/g/t", true)]
    [InlineData("$share/", true)]
    [InlineData("$share//t", true)]
    [InlineData("$share", false)]
    [InlineData("$SHARE/g/t", false)]
    [InlineData("share/g/t", false)]
    [InlineData("a/$share/g/t", false)]
    public void IsShared_is_true_exactly_for_the_share_prefix(string filter, bool expected)
    {
        Assert.Equal(expected, SharedSubscription.IsShared(System.Text.Encoding.UTF8.GetBytes(filter)));
    }
}
