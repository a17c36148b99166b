using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Interop.Tests.Mqtt5;

/// <summary>MQTT 5.0 clients connect and work with the 3.1.1 feature set (issue 3), proven with MQTTnet speaking 5.0.</summary>
public class MqttNetV5Tests(ITestOutputHelper output) : InteropTest(output)
{
    private static async Task<IMqttClient> ConnectAsync(IBrokerUnderTest broker, string clientId, Action<MqttClientOptionsBuilder>? configure = null)
    {
        var factory = new MqttClientFactory();
        var builder = factory.CreateClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithTimeout(Timeouts.Event);
        configure?.Invoke(builder);
        var client = factory.CreateMqttClient();
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        var result = await client.ConnectAsync(builder.Build(), deadline.Token);
        Assert.Equal(MqttClientConnectResultCode.Success, result.ResultCode);
        return client;
    }

    [Theory]
    [MemberData(nameof(BrokerNames))]
    public async Task A_50_client_publishes_and_receives_qos1_with_user_properties_in_order(string brokerName)
    {
        await using var broker = await StartBrokerAsync(brokerName);
        string topic = Unique.Topic("v5");
        using var subscriber = await ConnectAsync(broker, Unique.ClientId("v5-sub"));
        var received = new Signal<MqttApplicationMessage>("a message on " + topic);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            received.Set(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        var granted = await subscriber.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce);
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, granted.Items.Single().ResultCode);
        using var publisher = await ConnectAsync(broker, Unique.ClientId("v5-pub"));

        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload("hello five")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithUserProperty("b", Encoding.UTF8.GetBytes("2"))
            .WithUserProperty("a", Encoding.UTF8.GetBytes("1"))
            .WithContentType("text/plain")
            .Build();
        var result = await publisher.PublishAsync(message);

        Assert.True(result.IsSuccess, result.ReasonCode.ToString());
        var got = await received.WaitAsync(Timeouts.Event);
        Assert.Equal("hello five", Encoding.UTF8.GetString(got.Payload));
        Assert.Equal(["b=2", "a=1"], got.UserProperties.Select(p => $"{p.Name}={Encoding.UTF8.GetString(p.ValueBuffer.Span)}"));
        Assert.Equal("text/plain", got.ContentType);
    }

    // Tern only: Mosquitto 2.0.11 closes the displaced connection without DISCONNECT 0x8E, so MQTTnet reports a normal
    // disconnection there (seen when this test ran against both).
    [Fact]
    public async Task A_taken_over_50_client_learns_why_from_the_reason_code_MQTT_3_1_4_3()
    {
        await using var broker = await StartBrokerAsync("tern");
        string id = Unique.ClientId("v5-takeover");
        using var first = await ConnectAsync(broker, id);
        var disconnected = new Signal<MqttClientDisconnectedEventArgs>("the first client to be disconnected");
        first.DisconnectedAsync += e =>
        {
            disconnected.Set(e);
            return Task.CompletedTask;
        };

        using var second = await ConnectAsync(broker, id);

        var reason = await disconnected.WaitAsync(Timeouts.Event);
        Assert.Equal(MqttClientDisconnectReason.SessionTakenOver, reason.Reason);
    }
}
