using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>Reloading the password file and the ACL through <see cref="MqttBroker.Reload"/>: all or nothing.</summary>
public class SecurityReloadTests
{
    [Fact]
    public async Task A_reloaded_password_file_admits_the_new_password_and_refuses_the_old()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:old-password"]);
        await File.WriteAllTextAsync(broker.PasswordPath, SecuredBroker.PasswordLines("alice:new-password"));

        var result = broker.Broker.Broker.Reload();

        Assert.True(result.Succeeded, string.Join(" ", result.Problems));
        Assert.Contains("password file", result.Reloaded);
        await using var accepted = await broker.ConnectAcceptedAsync("a1", "alice", "new-password");
        var (refused, code) = await broker.ConnectAsync("a2", "alice", "old-password");
        await using var _ = refused;
        Assert.Equal(0x04, code);
    }

    [Fact]
    public async Task A_malformed_password_file_fails_the_reload_with_file_and_line_and_the_old_users_stay()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:old-password"]);
        await File.WriteAllTextAsync(broker.PasswordPath, SecuredBroker.PasswordLines("alice:new-password") + "bob-without-a-hash\n");

        var result = broker.Broker.Broker.Reload();

        Assert.False(result.Succeeded);
        Assert.Empty(result.Reloaded);
        var problem = Assert.Single(result.Problems);
        Assert.StartsWith($"{broker.PasswordPath} line 2:", problem, StringComparison.Ordinal);
        await using var accepted = await broker.ConnectAcceptedAsync("a1", "alice", "old-password");
        Assert.Contains("[3004]", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_ACL_fails_the_whole_reload_so_a_good_new_password_file_is_not_put_in_force_either()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:old-password"], "user alice\ntopic readwrite a/#\n");
        await File.WriteAllTextAsync(broker.PasswordPath, SecuredBroker.PasswordLines("alice:new-password"));
        await File.WriteAllTextAsync(broker.AclPath, "user alice\ntopic sometimes a/#\n");

        var result = broker.Broker.Broker.Reload();

        Assert.False(result.Succeeded);
        Assert.StartsWith($"{broker.AclPath} line 2:", Assert.Single(result.Problems), StringComparison.Ordinal);
        await using var accepted = await broker.ConnectAcceptedAsync("a1", "alice", "old-password");
        Assert.Equal([0x01], await SecuredBroker.SubscribeAsync(accepted, "a/#"));
    }

    [Fact]
    public async Task A_reloaded_ACL_revokes_a_right_at_once_for_connected_clients_including_delivery_on_existing_subscriptions()
    {
        await using var broker = await SecuredBroker.StartAsync(["alice:pw", "bob:pw"], "user alice\ntopic read a/#\nuser bob\ntopic write a/#\n");
        await using var alice = await broker.ConnectAcceptedAsync("alice", "alice", "pw", ProtocolVersion.V500);
        Assert.Equal([0x00], await SecuredBroker.SubscribeAsync(alice, "a/#", ProtocolVersion.V500, qos: QualityOfService.AtMostOnce));
        await using var bob = await broker.ConnectAcceptedAsync("bob", "bob", "pw", ProtocolVersion.V500);

        await File.WriteAllTextAsync(broker.AclPath, "user alice\ntopic read a/public/#\nuser bob\ntopic write a/#\n");
        Assert.True(broker.Broker.Broker.Reload().Succeeded);

        await bob.SendAsync(Packets.Publish("a/private", "p", version: ProtocolVersion.V500));
        await bob.SendAsync(Packets.Publish("a/public/x", "x", version: ProtocolVersion.V500));
        Assert.Equal("a/public/x", Received.AsPublish(await alice.ReadPacketAsync(Timeouts.Default), ProtocolVersion.V500).Topic);
        Assert.Equal([0x87], await SecuredBroker.SubscribeAsync(alice, "a/#", ProtocolVersion.V500, 2));
    }

    [Fact]
    public async Task Without_security_files_a_reload_has_nothing_to_do_and_succeeds()
    {
        await using var broker = await SecuredBroker.StartAsync();

        var result = broker.Broker.Broker.Reload();

        Assert.True(result.Succeeded);
        Assert.Empty(result.Reloaded);
    }
}
