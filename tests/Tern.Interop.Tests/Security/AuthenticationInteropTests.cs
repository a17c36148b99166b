using System.Text.Json;
using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Tern.Broker;
using Tern.Interop.Tests.Support;
using Tern.TestKit;
using Tern.TestKit.Processes;

namespace Tern.Interop.Tests.Security;

/// <summary>
/// Tern with a password file and an ACL, as foreign clients see it: mosquitto_pub (libmosquitto, 3.1.1), MQTTnet and
/// MQTT.js (5.0) read the refusals as their users would.
/// </summary>
public sealed class AuthenticationInteropTests : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"tern-interop-security-{Guid.NewGuid():N}");
    private TernBroker? _broker;

    private TernBroker Broker => _broker!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_directory);
        string passwd = Path.Combine(_directory, "passwd");
        string acl = Path.Combine(_directory, "acl");
        await File.WriteAllTextAsync(passwd, PasswordFile.CreateEntry("alice", "wonderland"u8, PasswordFile.MinimumIterations, PasswordFile.MinimumIterations) + "\n");
        await File.WriteAllTextAsync(acl, "user alice\ntopic readwrite sensors/#\n");
        _broker = await TernBroker.StartAsync(o =>
        {
            o.Security.PasswordFile = passwd;
            o.Security.AclFile = acl;
            o.Security.AllowAnonymous = false;
        });
    }

    public async Task DisposeAsync()
    {
        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Mosquitto_pub_with_the_right_password_publishes()
    {
        var result = await MosquittoClients.PubAsync(Broker, Timeouts.Process, "-V", "mqttv311", "-u", "alice", "-P", "wonderland", "-t", "sensors/t", "-q", "1", "-m", "1");

        Assert.True(result.ExitCode == 0, result.Transcript);
    }

    [Fact]
    public async Task Mosquitto_pub_with_a_wrong_password_is_told_it_is_not_authorised()
    {
        var result = await MosquittoClients.PubAsync(Broker, Timeouts.Process, "-V", "mqttv311", "-u", "alice", "-P", "wrong", "-t", "sensors/t", "-m", "1");

        Assert.NotEqual(0, result.ExitCode);

        // libmosquitto prints CONNACK return code 4 as "Connection Refused: bad user name or password."
        Assert.Contains("Connection Refused: bad user name or password", result.Transcript, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mosquitto_pub_without_credentials_is_told_it_is_not_authorised()
    {
        var result = await MosquittoClients.PubAsync(Broker, Timeouts.Process, "-V", "mqttv311", "-t", "sensors/t", "-m", "1");

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("not authori", result.Transcript, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("wrong", MqttClientConnectResultCode.BadUserNameOrPassword)]
    [InlineData(null, MqttClientConnectResultCode.NotAuthorized)]
    public async Task MQTTnet_5_0_sees_0x86_for_a_wrong_password_and_0x87_without_credentials(string? password, MqttClientConnectResultCode expected)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var builder = new MqttClientOptionsBuilder().WithTcpServer(Broker.Host, Broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithTimeout(Timeouts.Event);
        if (password is not null)
        {
            builder.WithCredentials("alice", password);
        }

        // MQTTnet returns the refused result, or throws with the result code in the message, depending on its version.
        string outcome;
        try
        {
            outcome = (await client.ConnectAsync(builder.Build())).ResultCode.ToString();
        }
        catch (MqttConnectingFailedException ex)
        {
            outcome = ex.Message;
        }

        Assert.Contains(expected.ToString(), outcome, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MQTTnet_5_0_gets_0x87_for_a_denied_subscription_and_a_denied_publish()
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        using var deadline = new CancellationTokenSource(Timeouts.Process);
        await client.ConnectAsync(
            new MqttClientOptionsBuilder().WithTcpServer(Broker.Host, Broker.Port).WithProtocolVersion(MqttProtocolVersion.V500).WithCredentials("alice", "wonderland").Build(),
            deadline.Token);

        var suback = await client.SubscribeAsync("other/#", MqttQualityOfServiceLevel.AtLeastOnce, deadline.Token);
        var puback = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("other/x").WithPayload("1").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), deadline.Token);

        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, suback.Items.Single().ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, puback.ReasonCode);
    }

    [Theory]
    [InlineData("wrong", "Bad User Name or Password")]
    [InlineData(null, "Not authorized")]
    public async Task MQTT_js_5_0_reports_the_refusal(string? password, string expected)
    {
        var connect = new Dictionary<string, object> { ["clientId"] = Unique.ClientId("js"), ["protocolVersion"] = 5 };
        if (password is not null)
        {
            connect["username"] = "alice";
            connect["password"] = password;
        }

        await using var process = NodeMqtt.Start(Peers.NodeDirectory, "peer.js", [Broker.Url(), JsonSerializer.Serialize(connect)]);
        string line = await process.ExpectLineAsync(l => l.StartsWith("error ", StringComparison.Ordinal) || l.StartsWith("connected ", StringComparison.Ordinal), "the refusal", Timeouts.Process);

        Assert.StartsWith("error Connection refused", line, StringComparison.Ordinal);
        Assert.Contains(expected, line, StringComparison.OrdinalIgnoreCase);
    }
}
