using System.Globalization;
using Microsoft.Extensions.Time.Testing;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Operations;

public sealed class SysTreeTests
{
    [Fact]
    public async Task The_sys_tree_reports_clients_packets_publishes_bytes_stored_messages_and_load_after_known_traffic()
    {
        var time = new FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.SysInterval = TimeSpan.FromSeconds(10), time);

        // A persistent session left offline, with one queued QoS 1 message.
        await using (var offline = await broker.ConnectAsync(Packets.Connect("sys-offline", clean: false)))
        {
            await offline.SendAsync(Packets.Subscribe(1, "sys/traffic", QualityOfService.AtLeastOnce));
            await offline.ExpectAsync("90 03 00 01 01", Timeouts.Default);
            await offline.SendAsync(Packets.Disconnect);
            await offline.ExpectClosedAsync(Timeouts.Default);
        }

        await broker.WaitForOfflineAsync("sys-offline");
        await using var publisher = await broker.ConnectAsync(Packets.Connect("sys-pub"));
        for (ushort i = 1; i <= 3; i++)
        {
            await publisher.SendAsync(Packets.Publish("sys/traffic", "x", QualityOfService.AtLeastOnce, i, retain: i == 3));
            await publisher.ExpectAsync($"40 02 00 {i:X2}", Timeouts.Default);
        }

        await using var watcher = await broker.ConnectAsync(Packets.Connect("sys-watch", keepAlive: 0));
        await watcher.SendAsync(Packets.Subscribe(1, "$SYS/broker/#", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await DrainAsync(watcher);

        time.Advance(TimeSpan.FromSeconds(10));
        var values = await ReadRoundAsync(watcher);

        Assert.Equal("2", values["$SYS/broker/clients/connected"]);
        Assert.Equal("1", values["$SYS/broker/clients/disconnected"]);
        Assert.Equal("3", values["$SYS/broker/clients/total"]);
        Assert.Equal("2", values["$SYS/broker/clients/maximum"]);
        Assert.Equal("0", values["$SYS/broker/clients/expired"]);

        // Received: CONNECT, SUBSCRIBE, DISCONNECT; CONNECT + 3 PUBLISH; CONNECT + SUBSCRIBE.
        Assert.Equal("9", values["$SYS/broker/messages/received"]);
        Assert.Equal("3", values["$SYS/broker/publish/messages/received"]);
        Assert.Equal("0", values["$SYS/broker/publish/messages/dropped"]);
        // Retained messages count the $SYS topics themselves (as Mosquitto's); stored adds the 3 queued for the offline session.
        int retained = int.Parse(values["$SYS/broker/retained messages/count"], CultureInfo.InvariantCulture);
        Assert.True(retained >= 47, $"46 $SYS topics and sys/traffic are retained, the count says {retained}");
        Assert.Equal((retained + 3).ToString(CultureInfo.InvariantCulture), values["$SYS/broker/messages/stored"]);
        Assert.Equal((retained + 3).ToString(CultureInfo.InvariantCulture), values["$SYS/broker/store/messages/count"]);
        Assert.Equal("2", values["$SYS/broker/subscriptions/count"]);
        Assert.True(long.Parse(values["$SYS/broker/bytes/received"], CultureInfo.InvariantCulture) > 3 * 14, values["$SYS/broker/bytes/received"]);
        Assert.True(long.Parse(values["$SYS/broker/bytes/sent"], CultureInfo.InvariantCulture) > 0);
        Assert.True(long.Parse(values["$SYS/broker/heap/current"], CultureInfo.InvariantCulture) > 0);

        // Three PUBLISH packets in the first 10 s: 18 a minute, folded into each average with weight 1 - e^(-10/window).
        Assert.Equal(Load(18, 60), values["$SYS/broker/load/publish/received/1min"]);
        Assert.Equal(Load(18, 300), values["$SYS/broker/load/publish/received/5min"]);
        Assert.Equal(Load(18, 900), values["$SYS/broker/load/publish/received/15min"]);
        Assert.Equal(Load(3 * 6, 60), values["$SYS/broker/load/connections/1min"]);
        Assert.Equal("0.00", values["$SYS/broker/load/publish/dropped/1min"]);
    }

    [Fact]
    public void A_load_average_follows_a_steady_rate_and_decays_when_traffic_stops()
    {
        var load = new Diagnostics.LoadAverage();
        load.Update(0, TimeSpan.Zero);
        long total = 0;
        for (int i = 0; i < 360; i++)
        {
            total += 100; // 100 per 10 s = 600 a minute
            load.Update(total, TimeSpan.FromSeconds(10));
        }

        Assert.InRange(load.Averages[0], 599.9, 600.1);
        Assert.InRange(load.Averages[2], 585, 600.1); // 600 × (1 - e^-4) after an hour

        for (int i = 0; i < 60; i++)
        {
            load.Update(total, TimeSpan.FromSeconds(10));
        }

        Assert.True(load.Averages[0] < 1, $"1 min average {load.Averages[0]}");
        Assert.True(load.Averages[2] > load.Averages[0], "the 15 min average decays slowest");
    }

    private static string Load(double perMinute, double windowSeconds) =>
        (perMinute * (1 - Math.Exp(-10 / windowSeconds))).ToString("F2", CultureInfo.InvariantCulture);

    private static async Task<Dictionary<string, string>> ReadRoundAsync(RawMqttConnection watcher)
    {
        var values = new Dictionary<string, string>();
        while (!values.ContainsKey("$SYS/broker/load/connections/15min"))
        {
            var message = Received.AsPublish(await watcher.ReadPacketAsync(Timeouts.Default));
            values[message.Topic] = message.Payload;
        }

        return values;
    }

    private static async Task DrainAsync(RawMqttConnection watcher)
    {
        try
        {
            while (true)
            {
                await watcher.ReadPacketAsync(Timeouts.Quiet);
            }
        }
        catch (ExpectationFailedException)
        {
            // Quiet: the retained values published at start have arrived.
        }
    }
}
