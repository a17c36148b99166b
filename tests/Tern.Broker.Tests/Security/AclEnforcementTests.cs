using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>The ACL applied to PUBLISH, SUBSCRIBE, delivery, retained messages and wills, through a real broker.</summary>
public class AclEnforcementTests
{
    private static readonly string[] Users = ["alice:wonderland", "bob:builder"];

    private const string Acl = """
        # anonymous clients
        topic read public/#

        user alice
        topic readwrite sensors/#
        topic read $SYS/#
        topic write alice/will

        user bob
        topic read sensors/#
        topic write public/#
        """;

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce, 0x40)]
    [InlineData(QualityOfService.ExactlyOnce, 0x50)]
    public async Task A_denied_5_0_publish_is_answered_0x87_and_not_delivered(QualityOfService qos, byte ackType)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var alice = await broker.ConnectAcceptedAsync("alice-sub", "alice", "wonderland", ProtocolVersion.V500);
        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(alice, "sensors/#", ProtocolVersion.V500));
        await using var bob = await broker.ConnectAcceptedAsync("bob-pub", "bob", "builder", ProtocolVersion.V500);

        await bob.SendAsync(Packets.Publish("sensors/t", "forged", qos, packetId: 7, version: ProtocolVersion.V500));

        await bob.ExpectAsync($"{ackType:X2} 03 00 07 87", Timeouts.Default);
        await alice.ExpectSilenceAsync(Timeouts.Quiet);
        Assert.Contains("[4010]", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_denied_QoS_0_publish_is_dropped_and_the_connection_stays()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var alice = await broker.ConnectAcceptedAsync("alice-sub", "alice", "wonderland");
        await SecuredBroker.SubscribeAsync(alice, "sensors/#");
        await using var bob = await broker.ConnectAcceptedAsync("bob-pub", "bob", "builder", ProtocolVersion.V500);

        await bob.SendAsync(Packets.Publish("sensors/t", "forged", version: ProtocolVersion.V500));

        await alice.ExpectSilenceAsync(Timeouts.Quiet);
        await bob.ExpectAliveAsync();
    }

    [Theory]
    [InlineData(QualityOfService.AtLeastOnce, "40 02 00 07")]
    [InlineData(QualityOfService.ExactlyOnce, "50 02 00 07")]
    public async Task A_denied_3_1_1_publish_is_acknowledged_as_usual_and_dropped(QualityOfService qos, string ack)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var alice = await broker.ConnectAcceptedAsync("alice-sub", "alice", "wonderland");
        await SecuredBroker.SubscribeAsync(alice, "sensors/#");
        await using var bob = await broker.ConnectAcceptedAsync("bob-pub", "bob", "builder");

        await bob.SendAsync(Packets.Publish("sensors/t", "forged", qos, packetId: 7));

        await bob.ExpectAsync(ack, Timeouts.Default);
        await alice.ExpectSilenceAsync(Timeouts.Quiet);
        await bob.ExpectAliveAsync();
    }

    [Fact]
    public async Task With_DisconnectOnDeniedPublish_a_3_1_1_client_is_disconnected_instead()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl, o => o.Security.DisconnectOnDeniedPublish = true);
        await using var bob = await broker.ConnectAcceptedAsync("bob-pub", "bob", "builder");

        await bob.SendAsync(Packets.Publish("sensors/t", "forged", QualityOfService.AtLeastOnce, packetId: 7));

        await bob.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task An_allowed_publish_is_delivered_to_a_subscriber_allowed_to_read_it()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var bob = await broker.ConnectAcceptedAsync("bob-sub", "bob", "builder");
        await SecuredBroker.SubscribeAsync(bob, "sensors/#", qos: QualityOfService.AtMostOnce);
        await using var alice = await broker.ConnectAcceptedAsync("alice-pub", "alice", "wonderland");

        await alice.SendAsync(Packets.Publish("sensors/t", "21.5"));

        Assert.Equal("21.5", Received.AsPublish(await bob.ReadPacketAsync(Timeouts.Default)).Payload);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x80)]
    [InlineData(ProtocolVersion.V500, 0x87)]
    public async Task A_denied_filter_fails_alone_in_the_SUBACK(ProtocolVersion version, byte denied)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "builder", version);

        Assert.Equal([denied], await SecuredBroker.SubscribeAsync(bob, "public/#", version, 1));
        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(bob, "sensors/+", version, 2));
        Assert.Equal([denied], await SecuredBroker.SubscribeAsync(bob, "#", version, 3));
        Assert.Contains("[4011]", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shared_subscription_is_judged_by_its_filter_after_the_share_name()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "builder", ProtocolVersion.V500);

        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(bob, "$share/g/sensors/#", ProtocolVersion.V500, 1));
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(bob, "$share/g/other/#", ProtocolVersion.V500, 2));
    }

    [Fact]
    public async Task Anonymous_clients_get_the_rules_before_the_first_user_line()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl, o => o.Security.AllowAnonymous = true);
        await using var anonymous = await broker.ConnectAcceptedAsync("anon", null, null);

        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(anonymous, "public/#", packetId: 1));
        Assert.Equal([0x80], await SecuredBroker.SubscribeAsync(anonymous, "sensors/#", packetId: 2));
    }

    [Fact]
    public async Task SYS_topics_are_readable_only_where_a_rule_grants_them()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl, o => o.SysInterval = TimeSpan.FromMilliseconds(200));
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "builder", ProtocolVersion.V500);
        await using var alice = await broker.ConnectAcceptedAsync("alice", "alice", "wonderland", ProtocolVersion.V500);

        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(bob, "$SYS/#", ProtocolVersion.V500));
        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(alice, "$SYS/#", ProtocolVersion.V500, qos: QualityOfService.AtMostOnce));
        Assert.StartsWith("$SYS/", Received.AsPublish(await alice.ReadPacketAsync(Timeouts.Default), ProtocolVersion.V500).Topic, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_an_ACL_file_SYS_topics_stay_readable_by_every_client()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, configure: o => o.SysInterval = TimeSpan.FromMilliseconds(200));
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "builder");

        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(bob, "$SYS/#", qos: QualityOfService.AtMostOnce));
        Assert.StartsWith("$SYS/", Received.AsPublish(await bob.ReadPacketAsync(Timeouts.Default)).Topic, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("$SYS/broker/uptime")]
    [InlineData("$private/x")]
    public async Task Clients_may_never_publish_to_topics_starting_with_a_dollar_even_without_an_ACL(string topic)
    {
        await using var broker = await SecuredBroker.StartAsync();
        await using var watcher = await broker.ConnectAcceptedAsync("watcher", null, null);
        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(watcher, topic, qos: QualityOfService.AtMostOnce));
        await using var client = await broker.ConnectAcceptedAsync("forger", null, null, ProtocolVersion.V500);

        await client.SendAsync(Packets.Publish(topic, "0", QualityOfService.AtLeastOnce, packetId: 3, version: ProtocolVersion.V500));

        await client.ExpectAsync("40 03 00 03 87", Timeouts.Default);
        await watcher.ExpectSilenceAsync(Timeouts.Quiet);
        Assert.Contains("clients may not publish to topics starting with $", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x05)]
    [InlineData(ProtocolVersion.V500, 0x87)]
    public async Task A_will_on_a_topic_the_client_may_not_publish_to_refuses_the_CONNECT(ProtocolVersion version, byte expected)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        var (client, code) = await broker.ConnectAsync("bob", "bob", "builder", version, willTopic: "sensors/bob/status");
        await using var _ = client;

        Assert.Equal(expected, code);
        Assert.Contains("[4012]", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_allowed_will_is_published_when_the_connection_is_lost()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, Acl);
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "builder");
        await SecuredBroker.SubscribeAsync(bob, "sensors/#", qos: QualityOfService.AtMostOnce);
        var alice = await broker.Broker.ConnectRawAsync();
        await alice.SendAsync(SecuredBroker.Connect("alice", "alice", "wonderland", willTopic: "sensors/alice/status"));
        await alice.ExpectAsync("20 02 00 00", Timeouts.Default);

        alice.Abort();

        Assert.Equal("sensors/alice/status", Received.AsPublish(await bob.ReadPacketAsync(Timeouts.Default)).Topic);
    }

    [Fact]
    public async Task A_subscription_granted_by_the_authorizer_still_receives_only_what_it_may_read()
    {
        // An authorizer that grants '#' but not reading secret/...: the check where the router hands a message to a session.
        await using var broker = await SecuredBroker.StartAsync(services: s => s.AddSingleton<IMqttAuthorizer>(new NoSecrets()));
        await using var publisher = await broker.ConnectAcceptedAsync("pub", null, null);
        await publisher.SendAsync(Packets.Publish("secret/retained", "r", retain: true));
        await publisher.SendAsync(Packets.Publish("open/retained", "r", retain: true));
        await using var reader = await broker.ConnectAcceptedAsync("reader", null, null);

        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(reader, "#", qos: QualityOfService.AtMostOnce));
        Assert.Equal("open/retained", Received.AsPublish(await reader.ReadPacketAsync(Timeouts.Default)).Topic);

        await publisher.SendAsync(Packets.Publish("secret/live", "s"));
        await publisher.SendAsync(Packets.Publish("open/live", "o"));
        Assert.Equal("open/live", Received.AsPublish(await reader.ReadPacketAsync(Timeouts.Default)).Topic);
        await reader.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task An_authorizer_that_throws_denies_and_the_connection_survives()
    {
        await using var broker = await SecuredBroker.StartAsync(services: s => s.AddSingleton<IMqttAuthorizer>(new Throwing()));
        await using var client = await broker.ConnectAcceptedAsync("c", null, null, ProtocolVersion.V500);

        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(client, "a", ProtocolVersion.V500));
        await client.SendAsync(Packets.Publish("a", "x", QualityOfService.AtLeastOnce, 2, version: ProtocolVersion.V500));
        await client.ExpectAsync("40 03 00 02 87", Timeouts.Default);
        Assert.Contains("[4013]", broker.Broker.Log, StringComparison.Ordinal);
    }

    private sealed class NoSecrets : IMqttAuthorizer
    {
        public bool CanPublish(MqttClientContext client, ReadOnlySpan<byte> topicName) => true;

        public bool CanSubscribe(MqttClientContext client, ReadOnlySpan<byte> topicFilter) => true;

        public bool CanReceive(MqttClientContext client, ReadOnlySpan<byte> topicName) => !topicName.StartsWith("secret/"u8);
    }

    private sealed class Throwing : IMqttAuthorizer
    {
        public bool CanPublish(MqttClientContext client, ReadOnlySpan<byte> topicName) => throw new InvalidOperationException("boom");

        public bool CanSubscribe(MqttClientContext client, ReadOnlySpan<byte> topicFilter) => throw new InvalidOperationException("boom");

        public bool CanReceive(MqttClientContext client, ReadOnlySpan<byte> topicName) => throw new InvalidOperationException("boom");
    }
}
