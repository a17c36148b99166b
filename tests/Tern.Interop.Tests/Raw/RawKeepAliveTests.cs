using System.Diagnostics;
using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Raw;

/// <summary>
/// The seed's "closing by the broker": a client silent for one and a half keep-alive periods is closed, without any
/// packet first (3.1.1), and since it never sent DISCONNECT its will is published. Real time, kept short: keep alive 1 s;
/// the close may come as late as 1.5 s + <see cref="IBrokerUnderTest.KeepAliveSlack"/>.
/// </summary>
public sealed class RawKeepAliveTests(ITestOutputHelper output) : InteropTest(output)
{
    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_client_silent_past_its_keep_alive_is_closed_without_a_packet_and_its_will_published_MQTT_3_1_2_24(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string willTopic = Unique.Topic("ka");
        await using var watcher = await RawMqttConnection.ConnectAsync(server, "watcher");
        await watcher.SendAsync(Mqtt311.Connect(Unique.ClientId("watcher")));
        await watcher.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
        await watcher.SendAsync(Mqtt311.Subscribe(1, willTopic, 0));
        await watcher.ExpectAsync(Mqtt311.SubAck(1, 0), Timeouts.Event);

        await using var silent = await RawMqttConnection.ConnectAsync(server, "silent");
        await silent.SendAsync(Mqtt311.Connect(Unique.ClientId("silent"), keepAliveSeconds: 1, willTopic: willTopic, willMessage: "timed out"));
        await silent.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
        var clock = Stopwatch.StartNew();

        // Within the keep alive the connection stays open...
        await silent.ExpectSilenceAsync(TimeSpan.FromMilliseconds(900));
        // ...and one and a half keep alives later (plus the broker's check granularity) it is closed, with no packet first.
        await silent.ExpectClosedAsync(TimeSpan.FromSeconds(1.5) + server.KeepAliveSlack - clock.Elapsed);
        Output.WriteLine($"{server.Name} closed the silent connection {clock.ElapsedMilliseconds} ms after its CONNACK (keep alive 1 s)");

        await watcher.ExpectAsync(Mqtt311.Publish(willTopic, "timed out"), Timeouts.Event);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_client_that_pings_within_its_keep_alive_stays_connected_MQTT_3_1_2_23(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var client = await RawMqttConnection.ConnectAsync(server);
        await client.SendAsync(Mqtt311.Connect(Unique.ClientId("pinger"), keepAliveSeconds: 1));
        await client.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);

        // Three pings 0.7 s apart: 2.1 s in all, past the 1.5 s a silent client would get.
        for (int i = 0; i < 3; i++)
        {
            await client.ExpectSilenceAsync(TimeSpan.FromMilliseconds(700));
            await client.ExpectAliveAsync();
        }
    }
}
