using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Processes;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.CommandLine;

/// <summary>
/// mosquitto_pub and mosquitto_sub (libmosquitto, MQTT 3.1.1) against each broker under test. mosquitto_sub prints
/// each message as "topic qos retain payload" (<c>-F "%t %q %r %p"</c>); with <c>-d</c> it also prints its packets,
/// and "Subscribed (mid: 1): 1" once the SUBACK is in.
/// </summary>
public sealed class MosquittoClientsTests(ITestOutputHelper output) : InteropTest(output)
{
    private const string Format = "%t %q %r %p";

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_QoS_1_message_from_mosquitto_pub_is_acknowledged_and_reaches_mosquitto_sub_at_QoS_1_MQTT_4_3_2_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("qos1");
        await using var subscriber = MosquittoClients.StartSub(
            server, "-V", "mqttv311", "-d", "-i", Unique.ClientId("sub"), "-t", topic, "-q", "1", "-C", "1", "-F", Format);
        await subscriber.ExpectLineAsync(MosquittoClients.IsSubscribedLine, "the SUBACK", Timeouts.Process);

        var publisher = await MosquittoClients.PubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-d", "-i", Unique.ClientId("pub"), "-t", topic, "-q", "1", "-m", "hello");

        Assert.True(publisher.ExitCode == 0, publisher.Transcript);
        Assert.True(publisher.Output.Any(line => line.Contains("received PUBACK", StringComparison.Ordinal)), publisher.Transcript);
        await subscriber.ExpectLineAsync($"{topic} 1 0 hello", Timeouts.Event);
        Assert.Equal(0, await subscriber.WaitForExitAsync(Timeouts.Event));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_retained_message_reaches_a_later_subscriber_with_the_retain_flag_set_MQTT_3_3_1_8(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("retained");

        var publisher = await MosquittoClients.PubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-i", Unique.ClientId("pub"), "-t", topic, "-q", "1", "-r", "-m", "kept");
        Assert.True(publisher.ExitCode == 0, publisher.Transcript);

        // Subscribed only now: the retained message is sent on subscribing [MQTT-3.3.1-6], flagged retained [MQTT-3.3.1-8].
        var subscriber = await MosquittoClients.SubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-i", Unique.ClientId("late"), "-t", topic, "-q", "1", "-C", "1", "-F", Format);
        Assert.True(subscriber.ExitCode == 0, subscriber.Transcript);
        Assert.Equal($"{topic} 1 1 kept", Assert.Single(subscriber.Output));
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_killed_mosquitto_sub_has_its_will_published_MQTT_3_1_2_8(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string willTopic = Unique.Topic("will");
        await using var watcher = MosquittoClients.StartSub(
            server, "-V", "mqttv311", "-d", "-i", Unique.ClientId("watcher"), "-t", willTopic, "-q", "1", "-C", "1", "-F", Format);
        await watcher.ExpectLineAsync(MosquittoClients.IsSubscribedLine, "the watcher's SUBACK", Timeouts.Process);
        await using var doomed = MosquittoClients.StartSub(
            server, "-V", "mqttv311", "-d", "-i", Unique.ClientId("doomed"), "-t", Unique.Topic("any"),
            "--will-topic", willTopic, "--will-payload", "gone", "--will-qos", "1");
        await doomed.ExpectLineAsync(MosquittoClients.IsSubscribedLine, "the doomed client's SUBACK", Timeouts.Process);

        doomed.Kill();

        await watcher.ExpectLineAsync($"{willTopic} 1 0 gone", Timeouts.Event);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_persistent_mosquitto_sub_receives_what_was_published_while_it_was_away_MQTT_3_1_2_5(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("away");
        string clientId = Unique.ClientId("durable");

        // -c: CleanSession 0; -E: disconnect once subscribed.
        var first = await MosquittoClients.SubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-c", "-i", clientId, "-t", topic, "-q", "1", "-E");
        Assert.True(first.ExitCode == 0, first.Transcript);
        var publisher = await MosquittoClients.PubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-i", Unique.ClientId("pub"), "-t", topic, "-q", "1", "-m", "queued");
        Assert.True(publisher.ExitCode == 0, publisher.Transcript);

        var returning = await MosquittoClients.SubAsync(
            server, Timeouts.Process, "-V", "mqttv311", "-c", "-i", clientId, "-t", topic, "-q", "1", "-C", "1", "-F", Format);

        Assert.True(returning.ExitCode == 0, returning.Transcript);
        Assert.Equal($"{topic} 1 0 queued", Assert.Single(returning.Output));
    }
}
