using Tern.Broker.Tests.Support;
using Tern.Protocol;

namespace Tern.Broker.Tests.Behaviour;

public class ConnectTests
{
    [Fact]
    public async Task A_311_connect_is_accepted_with_return_code_0_and_no_session_present()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0E 00 04 'MQTT' 04 02 00 3C 00 02 'c1'");

        await client.ExpectAsync("20 02 00 00", Timeouts.Default);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_31_connect_with_protocol_name_MQIsdp_is_accepted()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 10 00 06 'MQIsdp' 03 02 00 3C 00 02 'c1'");

        await client.ExpectAsync("20 02 00 00", Timeouts.Default);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_50_connect_is_accepted_with_reason_code_0_and_the_broker_limits_in_connack_properties()
    {
        await using var broker = await TestBroker.StartAsync(o => o.MaxPacketSize = 65536);
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0F 00 04 'MQTT' 05 02 00 3C 00 00 02 'c1'");

        // 20 0E: flags 00, reason 00, properties (11 bytes): Receive Maximum 1000 (21 03 E8), Maximum Packet Size 65536
        // (27 00 01 00 00), Topic Alias Maximum 10 (22 00 0A). Everything else is on, which a client assumes when absent.
        await client.ExpectAsync("20 0E 00 00 0B 21 03 E8 27 00 01 00 00 22 00 0A", Timeouts.Default);
    }

    [Fact]
    public async Task An_unsupported_protocol_level_gets_return_code_1_then_the_connection_is_closed_MQTT_3_1_2_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0E 00 04 'MQTT' 06 02 00 3C 00 02 'c1'");

        await client.ExpectAsync("20 02 00 01", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_311_zero_length_client_id_with_clean_session_0_gets_return_code_2_then_close_MQTT_3_1_3_8()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0C 00 04 'MQTT' 04 00 00 3C 00 00");

        await client.ExpectAsync("20 02 00 02", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_311_zero_length_client_id_with_clean_session_1_is_assigned_an_id_MQTT_3_1_3_6()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0C 00 04 'MQTT' 04 02 00 3C 00 00");

        await client.ExpectAsync("20 02 00 00", Timeouts.Default);
        await client.ExpectAliveAsync();
    }

    [Fact]
    public async Task A_50_zero_length_client_id_is_assigned_and_returned_in_connack_MQTT_3_2_2_16()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync("10 0D 00 04 'MQTT' 05 00 00 3C 00 00 00");

        var connack = await client.ReadPacketAsync(Timeouts.Default);
        Assert.Equal(0x00, connack[3]);
        var text = System.Text.Encoding.ASCII.GetString(connack);
        Assert.Contains("tern-", text, StringComparison.Ordinal);
        Assert.Equal(0x12, connack[5]); // Assigned Client Identifier is the first property
    }

    [Fact]
    public async Task A_31_client_id_longer_than_23_characters_is_refused_with_return_code_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(Packets.Connect(new string('x', 24), ProtocolVersion.V310));

        await client.ExpectAsync("20 02 00 02", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Theory]
    [InlineData("30 05 00 01 'a' 'hi'")]     // PUBLISH
    [InlineData("82 06 00 01 00 01 'a' 00")] // SUBSCRIBE
    [InlineData("C0 00")]                   // PINGREQ
    [InlineData("E0 00")]                   // DISCONNECT
    [InlineData("62 02 00 01")]             // PUBREL
    public async Task A_first_packet_other_than_connect_closes_the_connection_without_any_answer_MQTT_3_1_0_1(string first)
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectRawAsync();

        await client.SendAsync(first);

        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("first packet is not CONNECT", broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_second_connect_closes_a_311_connection_MQTT_3_1_0_2()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("second-311"));

        await client.SendAsync(Packets.Connect("second-311"));

        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task A_second_connect_on_a_50_connection_gets_disconnect_0x82_then_close()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var client = await broker.ConnectAsync(Packets.Connect("second-50", ProtocolVersion.V500));

        await client.SendAsync(Packets.Connect("second-50", ProtocolVersion.V500));

        await Expect.DisconnectAsync(client, ReasonCode.ProtocolError);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task Bytes_sent_after_a_refused_connect_are_not_processed()
    {
        await using var broker = await TestBroker.StartAsync();
        await using var watcher = await broker.ConnectAsync(Packets.Connect("watcher"));
        await watcher.SendAsync(Packets.Subscribe(1, "after/refusal", QualityOfService.AtMostOnce));
        await watcher.ExpectAsync("90 03 00 01 00", Timeouts.Default);
        await using var client = await broker.ConnectRawAsync();

        // A refused CONNECT (level 6) and a PUBLISH in the same write.
        await client.SendAsync((byte[])[.. Tern.TestKit.Hex.Bytes("10 0E 00 04 'MQTT' 06 02 00 3C 00 02 'c1'"), .. Packets.Publish("after/refusal", "x")]);

        await client.ExpectAsync("20 02 00 01", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
        await watcher.ExpectSilenceAsync(Timeouts.Quiet);
    }

    [Fact]
    public async Task A_connection_that_never_sends_connect_is_closed_after_the_connect_timeout()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        await using var broker = await TestBroker.StartAsync(o => o.ConnectTimeout = TimeSpan.FromSeconds(10), time);
        await using var client = await broker.ConnectRawAsync();
        await WaitForConnectionAsync(broker);

        time.Advance(TimeSpan.FromSeconds(9));
        await client.ExpectSilenceAsync(Timeouts.Quiet);
        time.Advance(TimeSpan.FromSeconds(1.25));

        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("sent no CONNECT", broker.Log, StringComparison.Ordinal);
    }

    internal static async Task WaitForConnectionAsync(Tern.TestKit.TernBroker broker, int count = 1)
    {
        // The accept runs on the broker's side; wait (bounded) until its engine has registered the connection.
        var deadline = DateTime.UtcNow + Timeouts.Default;
        while (broker.Broker.Engine.ConnectionCount < count)
        {
            Assert.True(DateTime.UtcNow < deadline, "the broker never registered the connection");
            await Task.Yield();
        }
    }
}
