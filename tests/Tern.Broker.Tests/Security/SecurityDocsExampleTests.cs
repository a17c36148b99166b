using System.Text;

namespace Tern.Broker.Tests.Security;

/// <summary>The example ACL of docs/security.md, copied verbatim, behaves as its table there says.</summary>
public class SecurityDocsExampleTests
{
    private const string Example = """
        # Anonymous clients may read the public tree and post to one inbox.
        topic read public/#
        topic write public/anon/in

        user alice
        topic readwrite alice/#
        topic deny alice/secret/#
        topic read a/b/#

        user monitor
        topic read $SYS/#

        # Every client owns devices/<its client id>/..., except the 'locked' topic,
        # and reads users/<its user name>/inbox/...
        pattern readwrite devices/%c/#
        pattern deny devices/%c/locked
        pattern read users/%u/inbox/#
        """;

    private static readonly AclAuthorizer Authorizer = new(AclFile.Parse(Example, "docs/security.md"));

    public static TheoryData<string?, string, string, string, bool> Table() => new()
    {
        { null, "anon", "SUBSCRIBE", "public/#", true },
        { null, "anon", "PUBLISH", "public/news", false },
        { null, "dev1", "PUBLISH", "devices/dev1/temp", true },
        { null, "anon", "receive", "users/x/inbox/1", false },
        { "alice", "c-alice", "PUBLISH", "alice/notes", true },
        { "alice", "c-alice", "PUBLISH", "alice/secret/key", false },
        { "alice", "c-alice", "SUBSCRIBE", "alice/#", false },
        { "alice", "c-alice", "SUBSCRIBE", "a/#", false },
        { "alice", "c-alice", "receive", "public/news", false },
        { "monitor", "c-monitor", "SUBSCRIBE", "$SYS/#", true },
        { "alice", "dev1", "PUBLISH", "devices/dev1/locked", false },
        { null, "+", "PUBLISH", "devices/dev2/temp", false },
        { "#", "c-hash", "receive", "users/bob/inbox/1", false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void The_documented_example_acl_gives_the_documented_answers(string? user, string clientId, string action, string topic, bool allowed)
    {
        var client = new MqttClientContext(clientId, user);
        var bytes = Encoding.UTF8.GetBytes(topic);

        bool actual = action switch
        {
            "PUBLISH" => Authorizer.CanPublish(client, bytes),
            "SUBSCRIBE" => Authorizer.CanSubscribe(client, bytes),
            _ => Authorizer.CanReceive(client, bytes),
        };

        Assert.Equal(allowed, actual);
    }
}
