using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// RELIABILITY.md E7: a right revoked by <see cref="MqttBroker.Reload"/> also stops retained messages (live delivery on
/// an existing subscription: <see cref="SecurityReloadTests.A_reloaded_ACL_revokes_a_right_at_once_for_connected_clients_including_delivery_on_existing_subscriptions"/>).
/// </summary>
public class AclRevocationGapsTests
{
    [Fact]
    public async Task After_a_reload_revokes_a_topic_its_retained_message_is_not_served_to_a_new_subscription()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:pw", "bob:pw"], "user alice\ntopic read a/#\nuser bob\ntopic write a/#\n");
        await using (var bob = await broker.ConnectAcceptedAsync("bob", "bob", "pw", ProtocolVersion.V500))
        {
            await bob.SendAsync(Packets.Publish("a/secret", "s", QualityOfService.AtLeastOnce, packetId: 1, retain: true, version: ProtocolVersion.V500));
            await bob.SendAsync(Packets.Publish("a/public/x", "x", QualityOfService.AtLeastOnce, packetId: 2, retain: true, version: ProtocolVersion.V500));
            Assert.Equal(0x40, (await bob.ReadPacketAsync(Timeouts.Default))[0]);
            Assert.Equal(0x40, (await bob.ReadPacketAsync(Timeouts.Default))[0]);
        }

        // Before the reload the retained secret is served: the test below can fail.
        await using (var before = await broker.ConnectAcceptedAsync("alice-1", "alice", "pw", ProtocolVersion.V500))
        {
            Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(before, "a/secret", ProtocolVersion.V500, qos: QualityOfService.AtMostOnce));
            Assert.Equal("a/secret", Received.AsPublish(await before.ReadPacketAsync(Timeouts.Default), ProtocolVersion.V500).Topic);
        }

        await File.WriteAllTextAsync(broker.AclPath, "user alice\ntopic read a/public/#\nuser bob\ntopic write a/#\n");
        Assert.True(broker.Broker.Broker.Reload().Succeeded);

        await using var after = await broker.ConnectAcceptedAsync("alice-2", "alice", "pw", ProtocolVersion.V500);
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(after, "a/#", ProtocolVersion.V500, qos: QualityOfService.AtMostOnce));
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(after, "a/secret", ProtocolVersion.V500, 2, QualityOfService.AtMostOnce));
        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(after, "a/public/#", ProtocolVersion.V500, 3, QualityOfService.AtMostOnce));

        // Only the still-granted retained message arrives; nothing of a/secret.
        Assert.Equal("a/public/x", Received.AsPublish(await after.ReadPacketAsync(Timeouts.Default), ProtocolVersion.V500).Topic);
        await after.ExpectSilenceAsync(TimeSpan.FromMilliseconds(300));
    }
}
