namespace Tern.Broker.Tests.Security;

/// <summary>A malformed ACL fails closed with the file and line named (RELIABILITY E3, D11).</summary>
public class AclFileParsingTests
{
    // The line at fault is always line 3.
    public static TheoryData<string, string> BadLines() => new()
    {
        { "topic", "'topic' without a topic filter" },
        { "topic read", "'topic' without a topic filter" },
        { "topic deny", "'topic' without a topic filter" },
        { "pattern write", "'pattern' without a topic filter" },
        { "topic a b", "'a' is not read, write, readwrite or deny (a topic filter containing a space needs its access written first: topic readwrite a b)" },
        { "topic reed a/b", "'reed' is not read, write, readwrite or deny" },
        { "topic read a/#/b", "'a/#/b' is not a valid topic filter: multi-level wildcard '#' not alone in the last level of a topic filter" },
        { "topic read sport+", "'sport+' is not a valid topic filter: single-level wildcard '+' not alone in its level of a topic filter" },
        { "topic read sport/tennis#", "is not a valid topic filter" },
        { "topic read $share/group/a", "rules apply to the topic filter of a shared subscription, without $share/<ShareName>/" },
        { "topic read a/%u", "'a/%u': '%' in a topic rule (%u and %c are substituted only in pattern rules)" },
        { "pattern read a/x%u", "'a/x%u': in a pattern, '%' may appear only as a whole level %u or %c" },
        { "pattern read a/%U", "in a pattern, '%' may appear only as a whole level %u or %c" },
        { "pattern read a/%", "in a pattern, '%' may appear only as a whole level %u or %c" },
        { "user", "'user' without a user name" },
        { "user\tal\tice", "a tab in a user name" },
        { "topic read a/b ", "whitespace at the end of the line" },
        { "user alice\t", "whitespace at the end of the line" },
        { "   ", "a line of only whitespace (a blank line must be empty)" },
        { "topics read a", "unknown keyword 'topics' (expected user, topic or pattern)" },
        { "Topic read a", "unknown keyword 'Topic'" },
        { "allow all", "unknown keyword 'allow'" },
        { "topic read a\u0001b", "a control character in the line" },
        { "topic read a\u0000b", "a control character in the line" },
    };

    [Theory]
    [MemberData(nameof(BadLines))]
    public void A_malformed_line_makes_the_acl_unusable_naming_the_file_and_the_line(string line, string expected)
    {
        string text = "# rules\ntopic read public/#\n" + line + "\nuser alice\ntopic readwrite alice/#\n";

        var error = Assert.Throws<SecurityConfigurationException>(() => AclFile.Parse(text, "/etc/tern/acl"));

        Assert.StartsWith("/etc/tern/acl line 3: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, error.Line);
    }

    [Fact]
    public void Indentation_comments_crlf_and_filters_with_spaces_are_accepted()
    {
        string text = "# anonymous\r\n\r\ntopic read public/#\r\nuser alice\r\n    topic readwrite alice/#\r\n\t# indented comment\r\n  topic read my room/light\r\npattern write devices/%c/#\r\n";

        var acl = AclFile.Parse(text, "acl");

        Assert.Equal(4, acl.RuleCount);
        Assert.Equal(["alice"], acl.UserNames);
        var alice = new MqttClientContext("c1", "alice");
        Assert.True(new AclAuthorizer(acl).CanReceive(alice, "my room/light"u8));
    }

    [Fact]
    public void Two_sections_for_one_user_add_up()
    {
        var acl = AclFile.Parse("user alice\ntopic read a\nuser bob\ntopic read b\nuser alice\ntopic read c\n", "acl");
        var authorizer = new AclAuthorizer(acl);
        var alice = new MqttClientContext("c1", "alice");

        Assert.True(authorizer.CanReceive(alice, "a"u8));
        Assert.True(authorizer.CanReceive(alice, "c"u8));
        Assert.False(authorizer.CanReceive(alice, "b"u8));
    }

    [Fact]
    public void A_missing_acl_file_is_a_clear_error()
    {
        string path = Path.Combine(Path.GetTempPath(), $"tern-missing-{Guid.NewGuid():N}");

        var error = Assert.Throws<SecurityConfigurationException>(() => AclFile.Load(path));

        Assert.StartsWith($"cannot read ACL file {path}: ", error.Message, StringComparison.Ordinal);
    }
}
