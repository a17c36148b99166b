using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class TakeoverTests
{
    [Fact]
    public async Task A_second_connection_with_the_same_client_id_closes_the_first_MQTT_3_1_4_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = await broker.ConnectAsync(Packets.Connect("same-id"));
        await using var second = await broker.ConnectAsync(Packets.Connect("same-id"));

        await first.ExpectClosedAsync(Timeouts.Default);
        await second.ExpectAliveAsync();
        Assert.Contains("[1005]", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_taken_over_50_connection_gets_disconnect_0x8E_first_MQTT_3_1_4_3()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var first = await broker.ConnectAsync(Packets.Connect("same-id-5", ProtocolVersion.V500));
        await using var second = await broker.ConnectAsync(Packets.Connect("same-id-5", ProtocolVersion.V500));

        await first.ExpectAsync("E0 01 8E", Timeouts.Default);
        await first.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task The_will_of_the_displaced_connection_is_published()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await broker.ConnectAsync(Packets.Connect("takeover-watch"));
        await watcher.SendAsync(Packets.Subscribe(1, "takeover/will", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var first = await broker.ConnectAsync(Packets.Connect("takeover-will", willTopic: "takeover/will"));

        await using var second = await broker.ConnectAsync(Packets.Connect("takeover-will"));

        Assert.Equal("takeover/will", Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default)).Topic);
    }

    [Fact]
    public async Task The_session_continues_on_the_new_connection_and_a_late_close_of_the_old_one_does_not_disturb_it()
    {
        await using var broker = await TestBroker.StartAsync();
        var first = await broker.ConnectAsync(Packets.Connect("continue", clean: false));
        await first.SendAsync(Packets.Subscribe(1, "continue/t", QualityOfService.AtLeastOnce));
        await first.ExpectAsync("90 03 00 01 01", Timeouts.Default);

        await using var second = await broker.ConnectRawAsync();
        await second.SendAsync(Packets.Connect("continue", clean: false));
        await second.ExpectAsync("20 02 01 00", Timeouts.Default);
        await first.ExpectClosedAsync(Timeouts.Default);
        await first.DisposeAsync(); // the old socket goes away after the takeover

        await using var publisher = await broker.ConnectAsync(Packets.Connect("continue-pub"));
        await publisher.SendAsync(Packets.Publish("continue/t", "still here", QualityOfService.AtLeastOnce, 1));
        Assert.Equal("still here", Received.AsPublish(await second.ReadPacketAsync(Timeouts.Default)).Payload);
    }

    [Fact]
    public async Task Two_clients_knocking_each_other_off_in_a_loop_leave_the_broker_responsive()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var bystander = await broker.ConnectAsync(Packets.Connect("bystander"));

        for (int round = 0; round < 20; round++)
        {
            await using var a = await broker.ConnectAsync(Packets.Connect("flapping"));
            await using var b = await broker.ConnectAsync(Packets.Connect("flapping"));
            await a.ExpectClosedAsync(Timeouts.Default);
        }

        await bystander.ExpectAliveAsync();
    }
}
