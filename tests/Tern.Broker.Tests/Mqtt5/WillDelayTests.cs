using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Mqtt5;

public class WillDelayTests
{
    private const ProtocolVersion V5 = ProtocolVersion.V500;

    private static byte[] ConnectWithWill(string id, uint willDelay, uint sessionExpiry) =>
        Packets.Connect(id, V5, clean: false, willTopic: "wd/" + id, sessionExpiry: sessionExpiry, willProperties: new PropertyBuilder().AddUInt32(PropertyId.WillDelayInterval, willDelay));

    private static async Task<Tern.TestKit.RawMqttConnection> WatchAsync(Tern.TestKit.TernBroker broker, string topic)
    {
        var watcher = await broker.ConnectAsync(Packets.Connect("watch-" + Guid.NewGuid().ToString("N")[..6], keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, topic, QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        return watcher;
    }

    [Fact]
    public async Task The_will_waits_for_its_delay_after_a_lost_connection_5_0_section_3_1_3_2_2()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var watcher = await WatchAsync(broker, "wd/late");
        var client = await broker.ConnectAsync(ConnectWithWill("late", willDelay: 30, sessionExpiry: 300));

        client.Abort();
        await broker.WaitForOfflineAsync("late");
        time.Advance(TimeSpan.FromSeconds(29));
        await watcher.ExpectSilenceAsync(Timeouts.Quiet);
        time.Advance(TimeSpan.FromSeconds(1));

        Assert.Equal("wd/late", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_reconnect_within_the_delay_cancels_the_will()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var watcher = await WatchAsync(broker, "wd/back");
        var client = await broker.ConnectAsync(ConnectWithWill("back", willDelay: 30, sessionExpiry: 300));
        client.Abort();
        await broker.WaitForOfflineAsync("back");
        time.Advance(TimeSpan.FromSeconds(10));

        await using var again = await broker.ConnectAsync(Packets.Connect("back", V5, clean: false, sessionExpiry: 300));
        time.Advance(TimeSpan.FromSeconds(60));

        await watcher.ExpectSilenceAsync(Timeouts.Quiet);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task The_will_goes_when_the_session_expires_before_the_delay()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var watcher = await WatchAsync(broker, "wd/short");
        var client = await broker.ConnectAsync(ConnectWithWill("short", willDelay: 300, sessionExpiry: 5));
        client.Abort();
        await broker.WaitForOfflineAsync("short");

        time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal("wd/short", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task A_will_without_delay_goes_at_once_even_for_a_persistent_session()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await WatchAsync(broker, "wd/now");
        var client = await broker.ConnectAsync(ConnectWithWill("now", willDelay: 0, sessionExpiry: 300));

        client.Abort();

        Assert.Equal("wd/now", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
        await client.DisposeAsync();
    }
}
