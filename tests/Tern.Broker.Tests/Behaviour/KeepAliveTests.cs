using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class KeepAliveTests
{
    [Fact]
    public async Task A_silent_311_client_is_closed_at_one_and_a_half_keep_alive_without_any_packet_MQTT_3_1_2_24()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-311", keepAlive: 2));

        time.Advance(TimeSpan.FromSeconds(2.75)); // 0.25 s before 1.5 x 2 s
        await client.ExpectSilenceAsync(Timeouts.Quiet);
        time.Advance(TimeSpan.FromSeconds(0.25));

        // Closed as if the network failed: no DISCONNECT or any other byte (3.1.1 has no server DISCONNECT).
        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("[1003]", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Any_packet_resets_the_keep_alive_timer()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-reset", keepAlive: 2));

        time.Advance(TimeSpan.FromSeconds(2.5));
        await client.ExpectAliveAsync();
        time.Advance(TimeSpan.FromSeconds(2.5)); // 5 s since CONNECT, 2.5 s since PINGREQ

        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task Keep_alive_0_turns_the_check_off()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-zero", keepAlive: 0));

        time.Advance(TimeSpan.FromHours(3));

        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_silent_50_client_gets_disconnect_0x8D_before_the_close()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-50", ProtocolVersion.V500, keepAlive: 1));

        time.Advance(TimeSpan.FromSeconds(1.5));

        await client.ExpectAsync("E0 01 8D", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task The_will_of_a_client_closed_for_keep_alive_is_published()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(time: time);
        await using var watcher = await broker.ConnectAsync(Packets.Connect("ka-will-watcher", keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, "ka/will", QualityOfService.AtLeastOnce));
        await watcher.ExpectAsync("90 03 00 01 01", Timeouts.Default);
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-will", keepAlive: 2, willTopic: "ka/will", willPayload: "lost"));

        time.Advance(TimeSpan.FromSeconds(3));

        await client.ExpectClosedAsync(Timeouts.Default);
        var will = Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default));
        Assert.Equal(("ka/will", "lost"), (will.Topic, will.Payload));
    }

    [Fact]
    public async Task In_real_time_a_client_with_keep_alive_1_is_closed_between_1_5_and_2_5_seconds()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("ka-real", keepAlive: 1));
        var started = System.Diagnostics.Stopwatch.StartNew();

        await client.ExpectClosedAsync(TimeSpan.FromSeconds(5));

        // The heartbeat ticks every 250 ms, so the close lands within 0.25 s (plus scheduling) after 1.5 s.
        Assert.InRange(started.Elapsed.TotalSeconds, 1.4, 2.5);
    }
}
