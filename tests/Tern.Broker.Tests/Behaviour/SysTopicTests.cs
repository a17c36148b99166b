using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class SysTopicTests
{
    [Fact]
    public async Task Sys_topics_report_version_uptime_clients_and_message_counts_every_interval()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.SysInterval = TimeSpan.FromSeconds(10), time);
        await using var publisher = await broker.ConnectAsync(Packets.Connect("sys-pub"));
        for (ushort i = 1; i <= 3; i++)
        {
            await publisher.SendAsync(Packets.Publish("sys/traffic", "x", QualityOfService.AtLeastOnce, i));
            await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
        }

        await using var watcher = await broker.ConnectAsync(Packets.Connect("sys-watch", keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, "$SYS/broker/#", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await DrainRetainedAsync(watcher);

        time.Advance(TimeSpan.FromSeconds(10));

        var values = new Dictionary<string, string>();
        while (!values.ContainsKey(SysTree.LastTopic))
        {
            var message = Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default));
            values[message.Topic] = message.Payload;
        }

        Assert.StartsWith("tern ", values["$SYS/broker/version"], StringComparison.Ordinal);
        Assert.Equal("10 seconds", values["$SYS/broker/uptime"]);
        Assert.Equal("2", values["$SYS/broker/clients/connected"]);
        Assert.Equal("3", values["$SYS/broker/publish/messages/received"]);
        Assert.Equal("1", values["$SYS/broker/subscriptions/count"]);
    }

    [Fact]
    public async Task A_subscription_to_hash_does_not_receive_sys_topics_MQTT_4_7_2_1()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.SysInterval = TimeSpan.FromSeconds(10), time);
        await using var watcher = await broker.ConnectAsync(Packets.Connect("sys-hash", keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, "#", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);

        time.Advance(TimeSpan.FromSeconds(10));

        await watcher.ExpectSilenceAsync(Timeouts.Quiet);
    }

    internal static class SysTree
    {
        /// <summary>The last topic of each round of $SYS updates.</summary>
        public const string LastTopic = "$SYS/broker/load/connections/15min";
    }

    // The $SYS values published at start are retained and arrive right after SUBACK; skip them.
    private static async Task DrainRetainedAsync(Tern.TestKit.RawMqttConnection watcher)
    {
        try
        {
            while (true)
            {
                await watcher.ReadPacketAsync(Timeouts.Quiet);
            }
        }
        catch (Tern.TestKit.ExpectationFailedException)
        {
            // Quiet: all retained values have arrived.
        }
    }
}
