using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// CVE-2017-7650 through the broker: a user name or client id containing <c>+</c>, <c>#</c> or <c>/</c> never widens a
/// <c>pattern</c> rule; the rule then grants nothing.
/// </summary>
public class PatternInjectionTests
{
    private const string Acl = """
        pattern readwrite users/%u/#
        pattern readwrite clients/%c/#
        """;

    private static readonly string[] Users = ["alice:wonderland", "+:plus", "x#y:hash", "a/b:slash"];

    [Fact]
    public async Task A_normal_user_and_client_get_their_own_subtrees()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var alice = await broker.ConnectAcceptedAsync("dev1", "alice", "wonderland");

        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(alice, "users/alice/#", packetId: 1));
        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(alice, "clients/dev1/+", packetId: 2));
        Assert.Equal([0x80], await SecuredBroker.SubscribeAsync(alice, "users/bob/#", packetId: 3));
    }

    [Theory]
    [InlineData("+", "plus", "users/+/#")]
    [InlineData("x#y", "hash", "users/#")]
    [InlineData("a/b", "slash", "users/a/b/#")]
    public async Task A_user_name_with_a_wildcard_or_separator_does_not_widen_users_pattern(string user, string password, string filter)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var client = await broker.ConnectAcceptedAsync("x", user, password, ProtocolVersion.V500);

        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(client, filter, ProtocolVersion.V500, 1));
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(client, "users/alice/#", ProtocolVersion.V500, 2));
    }

    [Theory]
    [InlineData("+", "clients/+/#")]
    [InlineData("#", "clients/#")]
    [InlineData("a/b", "clients/a/b/#")]
    public async Task A_client_id_with_a_wildcard_or_separator_does_not_widen_clients_pattern(string clientId, string filter)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var client = await broker.ConnectAcceptedAsync(clientId, "alice", "wonderland", ProtocolVersion.V500);

        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(client, filter, ProtocolVersion.V500, 1));
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(client, "clients/dev1/#", ProtocolVersion.V500, 2));
    }

    [Fact]
    public async Task A_client_id_with_a_wildcard_cannot_publish_into_another_clients_subtree()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var victim = await broker.ConnectAcceptedAsync("dev1", "alice", "wonderland");
        await SecuredBroker.SubscribeAsync(victim, "clients/dev1/#", qos: QualityOfService.AtMostOnce);
        await using var attacker = await broker.ConnectAcceptedAsync("+", "alice", "wonderland", ProtocolVersion.V500);

        await attacker.SendAsync(Packets.Publish("clients/dev1/cmd", "reboot", QualityOfService.AtLeastOnce, 4, version: ProtocolVersion.V500));

        await attacker.ExpectAsync("40 03 00 04 87", Timeouts.Default);
        await victim.ExpectSilenceAsync(Timeouts.Quiet);
    }
}
