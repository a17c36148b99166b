using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Clients;

/// <summary>
/// The seed's lessons about closing a connection, plus the session behaviour they rest on, run with each third-party
/// client library (MQTT.js 5 in a node process, MQTTnet 5 in process) against each broker under test, over MQTT 3.1.1.
/// </summary>
public sealed class ClientScenarioTests(ITestOutputHelper output) : InteropTest(output)
{
    /// <summary>Every broker under test with every client library.</summary>
    public static TheoryData<string, string> BrokersAndClients
    {
        get
        {
            var rows = new TheoryData<string, string>();
            foreach (string broker in Brokers.Names)
            {
                foreach (string client in ClientPeers.Names)
                {
                    rows.Add(broker, client);
                }
            }

            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(BrokersAndClients))]
    public async Task A_client_that_vanishes_without_DISCONNECT_has_its_will_published_MQTT_3_1_2_8(string broker, string client)
    {
        await using var server = await StartBrokerAsync(broker);
        string willTopic = Unique.Topic("will");
        await using var watcher = await ClientPeers.ConnectAsync(client, server, new PeerOptions(Unique.ClientId("watcher")));
        await watcher.SubscribeAsync(willTopic, 1);
        await using var doomed = await ClientPeers.ConnectAsync(
            client, server, new PeerOptions(Unique.ClientId("doomed")) { Will = new Will(willTopic, "gone") });

        await doomed.AbortAsync();

        Assert.Equal($"{willTopic} gone", await watcher.NextMessageAsync());
    }

    [Theory]
    [MemberData(nameof(BrokersAndClients))]
    public async Task A_client_that_sends_DISCONNECT_has_its_will_discarded_MQTT_3_14_4_3(string broker, string client)
    {
        await using var server = await StartBrokerAsync(broker);
        string willTopic = Unique.Topic("will");
        await using var watcher = await ClientPeers.ConnectAsync(client, server, new PeerOptions(Unique.ClientId("watcher")));
        await watcher.SubscribeAsync(willTopic, 1);
        await using var polite = await ClientPeers.ConnectAsync(
            client, server, new PeerOptions(Unique.ClientId("polite")) { Will = new Will(willTopic, "gone") });

        await polite.DisconnectAsync();
        // A sentinel sent after the disconnect: a will published on the DISCONNECT would have arrived before it.
        await watcher.PublishAsync(willTopic, "sentinel", 1);

        Assert.Equal($"{willTopic} sentinel", await watcher.NextMessageAsync());
    }

    [Theory]
    [MemberData(nameof(BrokersAndClients))]
    public async Task A_persistent_session_keeps_QoS_1_messages_for_its_offline_subscriber_MQTT_3_1_2_5(string broker, string client)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("queued");
        var durable = new PeerOptions(Unique.ClientId("durable")) { CleanSession = false };
        await using (var subscriber = await ClientPeers.ConnectAsync(client, server, durable))
        {
            Assert.False(subscriber.SessionPresent);
            await subscriber.SubscribeAsync(topic, 1);
            await subscriber.DisconnectAsync();
        }

        await using var publisher = await ClientPeers.ConnectAsync(client, server, new PeerOptions(Unique.ClientId("publisher")));
        await publisher.PublishAsync(topic, "while-away", 1);

        await using var returning = await ClientPeers.ConnectAsync(client, server, durable);
        Assert.True(returning.SessionPresent, "a session with CleanSession 0 must be resumed [MQTT-3.2.2-2]");
        Assert.Equal($"{topic} while-away", await returning.NextMessageAsync());
    }

    [Theory]
    [MemberData(nameof(BrokersAndClients))]
    public async Task A_clean_session_gets_nothing_published_while_it_was_away_MQTT_3_1_2_6(string broker, string client)
    {
        await using var server = await StartBrokerAsync(broker);
        string topic = Unique.Topic("missed");
        var clean = new PeerOptions(Unique.ClientId("clean"));
        await using (var subscriber = await ClientPeers.ConnectAsync(client, server, clean))
        {
            await subscriber.SubscribeAsync(topic, 1);
            await subscriber.DisconnectAsync();
        }

        await using var publisher = await ClientPeers.ConnectAsync(client, server, new PeerOptions(Unique.ClientId("publisher")));
        await publisher.PublishAsync(topic, "while-away", 1);

        await using var returning = await ClientPeers.ConnectAsync(client, server, clean);
        Assert.False(returning.SessionPresent, "a clean session is never present [MQTT-3.2.2-1]");
        // The subscription went with the session: subscribe again, and the first message is one sent afterwards.
        await returning.SubscribeAsync(topic, 1);
        await publisher.PublishAsync(topic, "sentinel", 1);
        Assert.Equal($"{topic} sentinel", await returning.NextMessageAsync());
    }

    [Theory]
    [MemberData(nameof(BrokersAndClients))]
    public async Task A_second_connection_with_the_same_client_id_closes_the_first_MQTT_3_1_4_2(string broker, string client)
    {
        await using var server = await StartBrokerAsync(broker);
        string clientId = Unique.ClientId("twin");
        string topic = Unique.Topic("twin");
        await using var first = await ClientPeers.ConnectAsync(client, server, new PeerOptions(clientId));

        await using var second = await ClientPeers.ConnectAsync(client, server, new PeerOptions(clientId));

        await first.ExpectConnectionLostAsync();
        // The second connection is the one served.
        await second.SubscribeAsync(topic, 1);
        await second.PublishAsync(topic, "served", 1);
        Assert.Equal($"{topic} served", await second.NextMessageAsync());
    }
}
