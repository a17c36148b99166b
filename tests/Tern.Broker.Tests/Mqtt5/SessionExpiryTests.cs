using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

public class SessionExpiryTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static async Task<byte[]> ReconnectAsync(Tern.TestKit.TernBroker broker, string id, uint? expiry)
    {
        await using var again = await broker.ConnectRawAsync();
        await again.SendAsync(Packets.Connect(id, V5, clean: false, sessionExpiry: expiry));
        var connack = await again.ReadPacketAsync(Timeouts.Default);
        await again.SendAsync(Packets.Disconnect);
        await again.ExpectClosedAsync(Timeouts.Default);
        await broker.WaitForOfflineAsync(id);
        return connack;
    }

    [Fact]
    public async Task An_offline_session_is_kept_until_its_expiry_interval_and_then_removed_5_0_section_3_1_2_11_2()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using (var first = await broker.ConnectAsync(Packets.Connect("expire-60", V5, clean: false, sessionExpiry: 60)))
        {
            await first.SendAsync(Packets.Disconnect);
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("expire-60");
        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(0x01, (await ReconnectAsync(broker, "expire-60", 60))[2]); // still there: session present

        time.Advance(TimeSpan.FromSeconds(61));
        Assert.Equal(0x00, (await ReconnectAsync(broker, "expire-60", 60))[2]); // expired: a new session
    }

    [Fact]
    public async Task Session_expiry_0xFFFFFFFF_never_expires()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using (await broker.ConnectAsync(Packets.Connect("forever", V5, clean: false, sessionExpiry: uint.MaxValue)))
        {
        }

        time.Advance(TimeSpan.FromDays(2)); // every heartbeat tick in between runs, so keep this modest

        Assert.Equal(0x01, (await ReconnectAsync(broker, "forever", uint.MaxValue))[2]);
    }

    [Fact]
    public async Task A_longer_expiry_than_the_operator_allows_is_capped_and_the_cap_returned_in_connack()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxSessionExpiryInterval = 300);
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Packets.Connect("capped", V5, clean: false, sessionExpiry: 3600));

        var connack = await client.ReadPacketAsync(Timeouts.Default);
        var properties = new MqttProperties(connack.AsSpan(5, connack[4]));
        Assert.Equal(300u, properties.GetIntegerOrNull(PropertyId.SessionExpiryInterval));
    }

    [Fact]
    public async Task Disconnect_can_shorten_the_expiry_and_the_session_ends_with_expiry_0()
    {
        await using var broker = await TestBroker.StartAsync();
        await using (var first = await broker.ConnectAsync(Packets.Connect("shorten", V5, clean: false, sessionExpiry: 60)))
        {
            await first.SendAsync("E0 07 00 05 11 00 00 00 00"); // DISCONNECT, reason 0, Session Expiry Interval 0
            await first.ExpectClosedAsync(Timeouts.Default);
        }

        Assert.Equal(0x00, (await ReconnectAsync(broker, "shorten", 60))[2]);
    }

    [Fact]
    public async Task Disconnect_setting_an_expiry_after_connect_set_none_is_a_protocol_error_5_0_section_3_14_2_2_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("grow", V5));

        await client.SendAsync("E0 07 00 05 11 00 00 00 3C"); // Session Expiry Interval 60 after CONNECT had none

        await Expect.DisconnectAsync(client, ReasonCode.ProtocolError);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Messages_queued_for_an_expired_session_are_gone_with_it()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using (var subscriber = await broker.ConnectAsync(Packets.Connect("expire-queue", V5, clean: false, sessionExpiry: 10)))
        {
            await subscriber.SendAsync(Packets.Subscribe(1, "eq/t", QualityOfService.AtLeastOnce, V5));
            await subscriber.ExpectAsync("90 04 00 01 00 01", Timeouts.Default);
        }

        await using (var publisher = await broker.ConnectAsync(Packets.Connect("expire-queue-pub")))
        {
            await publisher.SendAsync(Packets.Publish("eq/t", "x", QualityOfService.AtLeastOnce, 1));
            await publisher.ExpectAsync("40 02 00 01", Timeouts.Default);
        }

        Assert.Equal(1, broker.Broker.Engine.Sessions.GetAll().Single(s => s.ClientId == "expire-queue").QueuedCount);
        await broker.WaitForOfflineAsync("expire-queue");
        time.Advance(TimeSpan.FromSeconds(10));

        Assert.DoesNotContain(broker.Broker.Engine.Sessions.GetAll(), s => s.ClientId == "expire-queue");
    }
}
