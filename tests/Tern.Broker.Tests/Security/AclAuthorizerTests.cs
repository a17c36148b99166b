using System.Text;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// The ACL semantics of docs/security.md as a table: user sections, anonymous rules, patterns with %u and %c,
/// injection through user names and client ids (CVE-2017-7650, RELIABILITY E4), $SYS (E6), subscriptions wider than
/// the grant (E5) and deny precedence.
/// </summary>
public class AclAuthorizerTests
{
    private const string Acl = """
        # Anonymous clients: read the public tree, write one inbox.
        topic read public/#
        topic write public/anon/in

        user alice
        topic readwrite alice/#
        topic deny alice/secret/#
        topic read shared/+/status
        topic read a/b/#

        user bob
        topic read #
        topic write bob/out

        user admin
        topic read $SYS/#
        topic readwrite #

        # Every client, whoever it is.
        pattern readwrite devices/%c/#
        pattern deny devices/%c/locked
        pattern read users/%u/inbox/#
        pattern write users/%u/outbox
        pattern read %u/home/#
        """;

    private static readonly AclAuthorizer Authorizer = new(AclFile.Parse(Acl, "acl"));

    public enum Action
    {
        Publish,
        Subscribe,
        Receive,
    }

    public static TheoryData<string, string?, string, Action, string, bool> Rows() => new()
    {
        // Anonymous clients get the rules before the first user line, and the patterns.
        { "anonymous reads the public tree", null, "anon1", Action.Receive, "public/news", true },
        { "anonymous subscribes to the public tree", null, "anon1", Action.Subscribe, "public/#", true },
        { "anonymous cannot publish where it may only read", null, "anon1", Action.Publish, "public/news", false },
        { "anonymous publishes to its write rule", null, "anon1", Action.Publish, "public/anon/in", true },
        { "anonymous cannot subscribe to everything", null, "anon1", Action.Subscribe, "#", false },
        { "anonymous gets nothing of a user section", null, "anon1", Action.Receive, "alice/notes", false },
        { "a %u pattern never applies to an anonymous client", null, "anon1", Action.Receive, "users/anon1/inbox/1", false },
        { "a %c pattern applies to an anonymous client", null, "dev1", Action.Publish, "devices/dev1/temp", true },

        // A user gets its section, not the anonymous rules.
        { "alice publishes under her tree", "alice", "c-alice", Action.Publish, "alice/notes", true },
        { "alice does not get the anonymous rules", "alice", "c-alice", Action.Receive, "public/news", false },
        { "a deny rule wins over a broader grant for receive", "alice", "c-alice", Action.Receive, "alice/secret/key", false },
        { "a deny rule wins over a broader grant for publish", "alice", "c-alice", Action.Publish, "alice/secret/key", false },
        { "a deny rule matches its parent level through #", "alice", "c-alice", Action.Publish, "alice/secret", false },
        { "a subscription that reaches a denied topic is refused", "alice", "c-alice", Action.Subscribe, "alice/#", false },
        { "a subscription beside the denied topic is allowed", "alice", "c-alice", Action.Subscribe, "alice/public/#", true },
        { "a subscription equal to a + grant is allowed", "alice", "c-alice", Action.Subscribe, "shared/+/status", true },
        { "a subscription inside a + grant is allowed", "alice", "c-alice", Action.Subscribe, "shared/kitchen/status", true },
        { "a subscription wider than a + grant is refused", "alice", "c-alice", Action.Subscribe, "shared/#", false },
        { "read on a/b/# allows a/b/#", "alice", "c-alice", Action.Subscribe, "a/b/#", true },
        { "read on a/b/# allows a/b itself", "alice", "c-alice", Action.Subscribe, "a/b", true },
        { "read on a/b/# allows a/b/c/+", "alice", "c-alice", Action.Subscribe, "a/b/c/+", true },
        { "read on a/b/# does not allow a/#", "alice", "c-alice", Action.Subscribe, "a/#", false },
        { "read on a/b/# does not allow #", "alice", "c-alice", Action.Subscribe, "#", false },
        { "read on a/b/# does not allow a/+/c", "alice", "c-alice", Action.Subscribe, "a/+/c", false },
        { "read on a/b/# does not deliver a/c", "alice", "c-alice", Action.Receive, "a/c", false },
        { "read does not grant publish", "alice", "c-alice", Action.Publish, "a/b/c", false },

        // $SYS is granted only by a rule whose first level is $SYS ([MQTT-4.7.2-1]).
        { "a # grant does not deliver $SYS", "bob", "c-bob", Action.Receive, "$SYS/broker/uptime", false },
        { "a # grant does not allow subscribing to $SYS/#", "bob", "c-bob", Action.Subscribe, "$SYS/#", false },
        { "a # grant allows +/broker/#, which never matches $SYS", "bob", "c-bob", Action.Subscribe, "+/broker/#", true },
        { "a # grant does not cover another $ topic", "bob", "c-bob", Action.Receive, "$foo/bar", false },
        { "an explicit $SYS/# grant allows the subscription", "admin", "c-admin", Action.Subscribe, "$SYS/#", true },
        { "an explicit $SYS/# grant delivers $SYS", "admin", "c-admin", Action.Receive, "$SYS/broker/uptime", true },
        { "read on $SYS does not grant publish there", "admin", "c-admin", Action.Publish, "$SYS/broker/uptime", false },
        { "bob publishes to his write rule", "bob", "c-bob", Action.Publish, "bob/out", true },
        { "bob cannot publish elsewhere", "bob", "c-bob", Action.Publish, "bob/in", false },

        // Patterns apply to every client, users with a section included.
        { "a %c pattern grants the client's own tree", "carol", "dev1", Action.Publish, "devices/dev1/temp", true },
        { "a %c pattern does not grant another client's tree", "carol", "dev1", Action.Publish, "devices/dev2/temp", false },
        { "a %c deny pattern wins over a %c grant", "carol", "dev1", Action.Publish, "devices/dev1/locked", false },
        { "a subscription over a %c deny pattern is refused", "carol", "dev1", Action.Subscribe, "devices/dev1/#", false },
        { "a %u pattern grants the user's inbox", "carol", "c-carol", Action.Subscribe, "users/carol/inbox/#", true },
        { "a %u pattern does not grant another user's inbox", "carol", "c-carol", Action.Subscribe, "users/bob/inbox/#", false },
        { "a %u write pattern grants the user's outbox", "carol", "c-carol", Action.Publish, "users/carol/outbox", true },
        { "a %u first-level pattern grants the user's home", "carol", "c-carol", Action.Receive, "carol/home/lamp", true },
        { "a user with no section and no pattern match gets nothing", "carol", "c-carol", Action.Receive, "elsewhere", false },

        // Injection: a user name or client id that would widen a pattern never matches (CVE-2017-7650).
        { "client id + cannot widen devices/%c/#", "carol", "+", Action.Publish, "devices/other/temp", false },
        { "client id # cannot subscribe to devices/#", "carol", "#", Action.Subscribe, "devices/#", false },
        { "client id with / cannot reach a deeper tree", "carol", "dev1/sub", Action.Publish, "devices/dev1/sub/temp", false },
        { "client id + is denied everything while a %c deny pattern exists", "bob", "+", Action.Receive, "anything", false },
        { "user name + cannot read another inbox", "+", "c-plus", Action.Receive, "users/bob/inbox/1", false },
        { "user name # cannot read every inbox", "#", "c-hash", Action.Subscribe, "users/+/inbox/#", false },
        { "user name # cannot receive another inbox", "#", "c-hash", Action.Receive, "users/bob/inbox/x", false },
        { "user name a/+ cannot match a two-level name", "a/+", "c-x", Action.Receive, "users/a/b/inbox/1", false },
        { "user name alice/x cannot reach alice's subtree", "alice/x", "c-x", Action.Receive, "users/alice/x/inbox/1", false },
        { "an empty user name matches no %u pattern", "", "c-empty", Action.Receive, "users//inbox/1", false },
        { "user name $SYS cannot turn %u/home/# into $SYS", "$SYS", "c-sys", Action.Receive, "$SYS/home/x", false },
        { "user name with a NUL never matches", "bo\0b", "c-nul", Action.Receive, "users/bo\0b/inbox/1", false },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Acl_table(string name, string? user, string clientId, Action action, string topic, bool allowed)
    {
        var client = new MqttClientContext(clientId, user);
        var bytes = Encoding.UTF8.GetBytes(topic);

        bool actual = action switch
        {
            Action.Publish => Authorizer.CanPublish(client, bytes),
            Action.Subscribe => Authorizer.CanSubscribe(client, bytes),
            _ => Authorizer.CanReceive(client, bytes),
        };

        Assert.True(allowed == actual, $"{name}: expected {(allowed ? "allowed" : "denied")}");
    }

    [Theory]
    [InlineData("")]
    [InlineData("# only a comment\n\n# and another\n")]
    [InlineData("user alice\n")]
    public void An_acl_without_rules_denies_everything(string text)
    {
        var authorizer = new AclAuthorizer(AclFile.Parse(text, "acl"));

        foreach (var client in new[] { new MqttClientContext("c1", null), new MqttClientContext("c2", "alice") })
        {
            Assert.False(authorizer.CanPublish(client, "a"u8));
            Assert.False(authorizer.CanSubscribe(client, "#"u8));
            Assert.False(authorizer.CanSubscribe(client, "a"u8));
            Assert.False(authorizer.CanReceive(client, "a"u8));
            Assert.False(authorizer.CanReceive(client, "$SYS/broker/uptime"u8));
        }
    }

    [Fact]
    public void The_order_of_deny_and_grant_lines_does_not_matter()
    {
        var grantFirst = new AclAuthorizer(AclFile.Parse("topic readwrite a/#\ntopic deny a/b\n", "acl"));
        var denyFirst = new AclAuthorizer(AclFile.Parse("topic deny a/b\ntopic readwrite a/#\n", "acl"));
        var anonymous = new MqttClientContext("c1", null);

        Assert.False(grantFirst.CanPublish(anonymous, "a/b"u8));
        Assert.False(denyFirst.CanPublish(anonymous, "a/b"u8));
        Assert.True(grantFirst.CanPublish(anonymous, "a/c"u8));
        Assert.True(denyFirst.CanPublish(anonymous, "a/c"u8));
    }

    [Fact]
    public void A_pattern_resolved_past_the_stack_buffer_still_matches()
    {
        string clientId = new('d', 1000);
        var authorizer = new AclAuthorizer(AclFile.Parse("pattern readwrite devices/%c/#\n", "acl"));

        Assert.True(authorizer.CanPublish(new MqttClientContext(clientId, null), Encoding.UTF8.GetBytes($"devices/{clientId}/t")));
        Assert.False(authorizer.CanPublish(new MqttClientContext(clientId, null), Encoding.UTF8.GetBytes($"devices/{clientId}x/t")));
    }

    [Fact]
    public void An_update_takes_effect_on_the_next_check()
    {
        var authorizer = new AclAuthorizer(AclFile.Parse("topic read a\n", "acl"));
        var client = new MqttClientContext("c1", null);
        Assert.True(authorizer.CanReceive(client, "a"u8));

        authorizer.Update(AclFile.Parse("topic read b\n", "acl"));

        Assert.False(authorizer.CanReceive(client, "a"u8));
        Assert.True(authorizer.CanReceive(client, "b"u8));
    }

    [Fact]
    public void A_check_allocates_nothing()
    {
        var client = new MqttClientContext("dev1", "carol");
        Authorizer.CanPublish(client, "devices/dev1/temp"u8);
        Authorizer.CanSubscribe(client, "users/carol/inbox/#"u8);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            Authorizer.CanPublish(client, "devices/dev1/temp"u8);
            Authorizer.CanSubscribe(client, "users/carol/inbox/#"u8);
            Authorizer.CanReceive(client, "carol/home/lamp"u8);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
