using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Raw;

/// <summary>
/// MQTT 3.1.1 connection rules checked byte for byte with <see cref="RawMqttConnection"/>: what the broker answers,
/// and when it closes without answering.
/// </summary>
public sealed class RawConnectionTests(ITestOutputHelper output) : InteropTest(output)
{
    /// <summary>Every broker with every first packet that is not CONNECT (3.1.1 field layouts, remaining lengths exact).</summary>
    public static TheoryData<string, string, string> BrokersAndFirstPackets
    {
        get
        {
            var packets = new (string Name, string Hex)[]
            {
                ("PINGREQ", "C0 00"),
                ("PUBLISH QoS 0", "30 07 00 03 'a/b' 'hi'"),
                ("SUBSCRIBE", "82 08 00 01 00 03 'a/b' 00"),
                ("DISCONNECT", "E0 00"),
            };
            var rows = new TheoryData<string, string, string>();
            foreach (string broker in Brokers.Names)
            {
                foreach (var packet in packets)
                {
                    rows.Add(broker, packet.Name, packet.Hex);
                }
            }

            return rows;
        }
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_3_1_1_CONNECT_is_answered_with_CONNACK_accepted_without_session_MQTT_3_2_0_1(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var connection = await RawMqttConnection.ConnectAsync(server);
        string clientId = Unique.ClientId("raw"); // 12 characters

        await connection.SendAsync(
            $"10 18"                  // CONNECT, remaining length 24
            + " 00 04 'MQTT' 04"      // protocol name, level 4 (3.1.1)
            + " 02"                   // connect flags: CleanSession
            + " 00 3C"                // keep alive 60 s
            + $" 00 0C '{clientId}'"); // client identifier

        await connection.ExpectAsync(
            "20 02"   // CONNACK, remaining length 2
            + " 00"   // session present 0 [MQTT-3.2.2-1]
            + " 00",  // return code 0: accepted
            Timeouts.Event);
        await connection.ExpectAliveAsync();
    }

    [Theory]
    [MemberData(nameof(BrokersAndFirstPackets))]
    public async Task A_first_packet_other_than_CONNECT_closes_the_connection_without_a_response_MQTT_3_1_0_1(string broker, string packet, string hex)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var connection = await RawMqttConnection.ConnectAsync(server, packet);

        await connection.SendAsync(hex);

        await connection.ExpectClosedAsync(Timeouts.Event);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_second_CONNECT_closes_the_connection_MQTT_3_1_0_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var connection = await RawMqttConnection.ConnectAsync(server);
        string connect = Mqtt311.Connect(Unique.ClientId("raw"));
        await connection.SendAsync(connect);
        await connection.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);

        await connection.SendAsync(connect);

        await connection.ExpectClosedAsync(Timeouts.Event);
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_second_connection_with_the_same_client_id_closes_the_first_MQTT_3_1_4_2(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        string connect = Mqtt311.Connect(Unique.ClientId("raw"));
        await using var first = await RawMqttConnection.ConnectAsync(server, "first");
        await first.SendAsync(connect);
        await first.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
        await using var second = await RawMqttConnection.ConnectAsync(server, "second");

        await second.SendAsync(connect);

        await second.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);
        await first.ExpectClosedAsync(Timeouts.Event);
        await second.ExpectAliveAsync();
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task DISCONNECT_gets_no_answer_and_the_broker_closes_the_connection_MQTT_3_14_4_1(string broker)
    {
        await using var server = await StartBrokerAsync(broker);
        await using var connection = await RawMqttConnection.ConnectAsync(server);
        await connection.SendAsync(Mqtt311.Connect(Unique.ClientId("raw")));
        await connection.ExpectAsync(Mqtt311.ConnAckAccepted, Timeouts.Event);

        await connection.SendAsync(Mqtt311.Disconnect);

        // No packet in reply, only the close (the seed: "the broker never answers a DISCONNECT").
        await connection.ExpectClosedAsync(Timeouts.Event);
    }
}
