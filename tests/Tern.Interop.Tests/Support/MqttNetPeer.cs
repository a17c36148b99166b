using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tern.TestKit;

namespace Tern.Interop.Tests.Support;

/// <summary>An MQTTnet 5 client (MQTT 3.1.1) whose received messages queue up for the test to await.</summary>
internal sealed class MqttNetPeer : IClientPeer
{
    private readonly IMqttClient _client;
    private readonly Channel<string> _messages = Channel.CreateUnbounded<string>();

    private MqttNetPeer(IMqttClient client)
    {
        _client = client;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var message = e.ApplicationMessage;
            _messages.Writer.TryWrite($"{message.Topic} {Encoding.UTF8.GetString(message.Payload)}");
            return Task.CompletedTask;
        };
        _client.DisconnectedAsync += e =>
        {
            Disconnected.Set();
            return Task.CompletedTask;
        };
    }

    /// <summary>Set when the client sees its connection end.</summary>
    public Signal Disconnected { get; } = new("the MQTTnet client's connection to end");

    /// <summary>The CONNACK's session present flag.</summary>
    public bool SessionPresent { get; private set; }

    /// <summary>Connects with MQTT 3.1.1 through <see cref="MqttClientFactory"/>.</summary>
    public static async Task<MqttNetPeer> ConnectAsync(IBrokerUnderTest broker, PeerOptions options)
    {
        var factory = new MqttClientFactory();
        var builder = factory.CreateClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(options.ClientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(options.CleanSession)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(options.KeepAliveSeconds))
            .WithTimeout(Timeouts.Event);
        if (options.Will is { } will)
        {
            builder.WithWillTopic(will.Topic).WithWillPayload(will.Payload).WithWillQualityOfServiceLevel((MqttQualityOfServiceLevel)will.Qos);
        }

        var peer = new MqttNetPeer(factory.CreateMqttClient());
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        var result = await peer._client.ConnectAsync(builder.Build(), deadline.Token);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            peer._client.Dispose();
            throw new ExpectationFailedException($"Connection refused: {result.ResultCode}.");
        }

        peer.SessionPresent = result.IsSessionPresent;
        return peer;
    }

    /// <summary>Subscribes and checks the granted QoS.</summary>
    public async Task SubscribeAsync(string topic, int qos)
    {
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        var result = await _client.SubscribeAsync(topic, (MqttQualityOfServiceLevel)qos, deadline.Token);
        var granted = result.Items.Single().ResultCode;
        if ((int)granted != (int)qos)
        {
            throw new ExpectationFailedException($"SUBSCRIBE {topic} QoS {qos} was answered with {granted}.");
        }
    }

    /// <summary>Publishes; for QoS 1 and 2 returns once the broker acknowledged.</summary>
    public async Task PublishAsync(string topic, string payload, int qos, bool retain = false)
    {
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        var result = await _client.PublishStringAsync(topic, payload, (MqttQualityOfServiceLevel)qos, retain, deadline.Token);
        if (!result.IsSuccess)
        {
            throw new ExpectationFailedException($"PUBLISH {topic} failed: {result.ReasonCode}.");
        }
    }

    /// <summary>Waits for the next message and returns "topic payload".</summary>
    public async Task<string> NextMessageAsync()
    {
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        try
        {
            return await _messages.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            throw new ExpectationFailedException($"No message arrived within {Timeouts.Event.TotalSeconds} s.");
        }
    }

    /// <summary>Sends DISCONNECT and closes the connection.</summary>
    public async Task DisconnectAsync()
    {
        using var deadline = new CancellationTokenSource(Timeouts.Event);
        await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), deadline.Token);
    }

    /// <summary>Drops the connection without DISCONNECT: MQTTnet's Dispose closes the socket and sends nothing.</summary>
    public Task AbortAsync()
    {
        _client.Dispose();
        return Task.CompletedTask;
    }

    /// <summary>Waits until MQTTnet reports the connection gone.</summary>
    public Task ExpectConnectionLostAsync() => Disconnected.WaitAsync(Timeouts.Event);

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
