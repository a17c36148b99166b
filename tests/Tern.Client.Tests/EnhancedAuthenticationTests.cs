using Microsoft.Extensions.DependencyInjection;
using Tern.Broker;
using Tern.Client.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;
using Xunit.Abstractions;

namespace Tern.Client.Tests;

/// <summary>
/// The enhanced authentication hook against a real broker: <see cref="MqttScramAuthenticator"/> with Tern's
/// SCRAM-SHA-256 / 512, at connect and as re-authentication (5.0 §4.12, §4.12.1). Mosquitto has no built-in method.
/// </summary>
public sealed class EnhancedAuthenticationTests(ITestOutputHelper output) : ClientTest(output)
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task SCRAM_authenticates_at_connect_and_the_broker_s_signature_is_verified_MQTT_4_12_0_1(bool sha512)
    {
        await using var server = await StartScramBrokerAsync();
        await using var client = new MqttClient(Options(server, ProtocolVersion.V500) with { Authenticator = new MqttScramAuthenticator("alice", "alice-password", sha512) });
        Assert.True((await client.ConnectAsync().WaitAsync(Timeouts.Event)).IsSuccess);
        await using var subscription = await client.SubscribeAsync("scram/t", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        await client.PublishAsync("scram/t", "in", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        Assert.Equal("in", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
    }

    [Fact]
    public async Task A_wrong_password_is_refused_with_0x86_MQTT_4_12_0_4()
    {
        await using var server = await StartScramBrokerAsync();
        await using var client = new MqttClient(Options(server, ProtocolVersion.V500) with { Authenticator = new MqttScramAuthenticator("alice", "wrong") });
        var refused = await Assert.ThrowsAsync<MqttConnectException>(() => client.ConnectAsync().WaitAsync(Timeouts.Event));
        Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.Result!.ReasonCode);
        Assert.StartsWith("bad user name or password (0x86)", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Re_authentication_runs_the_exchange_again_on_the_open_connection_and_can_be_repeated_MQTT_4_12_1_1()
    {
        await using var server = await StartScramBrokerAsync();
        var log = new List<EventArgs>();
        await using var client = new MqttClient(Options(server, ProtocolVersion.V500) with { Authenticator = new MqttScramAuthenticator("alice", "alice-password") });
        client.Disconnected += (_, e) => log.Add(e);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await using var subscription = await client.SubscribeAsync("scram/re", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);

        await client.ReauthenticateAsync().WaitAsync(Timeouts.Event);
        await client.ReauthenticateAsync().WaitAsync(Timeouts.Event);

        // Still the same connection, still working.
        await client.PublishAsync("scram/re", "after", QualityOfService.AtLeastOnce).WaitAsync(Timeouts.Event);
        Assert.Equal("after", (await subscription.ReadAsync().AsTask().WaitAsync(Timeouts.Event)).PayloadAsString());
        Assert.Empty(log);
        Assert.True(client.IsConnected);
    }

    [Fact]
    public async Task Re_authentication_as_another_user_ends_the_connection_with_the_broker_s_reason_code_MQTT_4_12_1_2()
    {
        await using var server = await StartScramBrokerAsync();
        var user = new SwitchingAuthenticator(new MqttScramAuthenticator("alice", "alice-password"));
        await using var client = new MqttClient(Options(server, ProtocolVersion.V500) with { Authenticator = user, Reconnect = new MqttReconnectOptions { Enabled = false } });
        var log = new ConnectionLog(client);
        await client.ConnectAsync().WaitAsync(Timeouts.Event);
        await log.NextAsync<MqttConnectedEventArgs>(Timeouts.Event);

        user.Inner = new MqttScramAuthenticator("bob", "bob-password");
        var error = await Assert.ThrowsAsync<MqttClientException>(() => client.ReauthenticateAsync().WaitAsync(Timeouts.Event));
        Assert.Equal("not authorized (0x87)", error.Message);
        var lost = await log.NextAsync<MqttDisconnectedEventArgs>(Timeouts.Event);
        Assert.Equal(MqttDisconnectReason.ServerDisconnected, lost.Reason);
        Assert.Equal(ReasonCode.NotAuthorized, lost.ReasonCode);
    }

    [Fact]
    public async Task Re_authentication_needs_5_0_and_an_authenticator()
    {
        await using var v311 = new MqttClient(Options(1883, ProtocolVersion.V311));
        await Assert.ThrowsAsync<NotSupportedException>(() => v311.ReauthenticateAsync());
        await using var plain = new MqttClient(Options(1883, ProtocolVersion.V500));
        await Assert.ThrowsAsync<NotSupportedException>(() => plain.ReauthenticateAsync());
    }

    private Task<TernBroker> StartScramBrokerAsync()
    {
        var users = new InMemoryScramCredentialStore();
        users.AddUser("alice", "alice-password", 16);
        users.AddUser("bob", "bob-password", 16);
        return TernBroker.StartAsync(
            configure: null,
            settings: new BrokerSettings { LogSink = Output.WriteLine },
            services: services =>
            {
                services.AddSingleton<IEnhancedAuthenticationMechanism>(new ScramMechanism(ScramHash.Sha256, users));
                services.AddSingleton<IEnhancedAuthenticationMechanism>(new ScramMechanism(ScramHash.Sha512, users));
            });
    }

    // Lets a test change the user between exchanges.
    private sealed class SwitchingAuthenticator(IMqttEnhancedAuthenticator inner) : IMqttEnhancedAuthenticator
    {
        public IMqttEnhancedAuthenticator Inner { get; set; } = inner;

        public string Method => Inner.Method;

        public ValueTask<ReadOnlyMemory<byte>> GetInitialDataAsync(CancellationToken cancellationToken) => Inner.GetInitialDataAsync(cancellationToken);

        public ValueTask<ReadOnlyMemory<byte>> ContinueAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken) => Inner.ContinueAsync(serverData, cancellationToken);

        public ValueTask CompleteAsync(ReadOnlyMemory<byte> serverData, CancellationToken cancellationToken) => Inner.CompleteAsync(serverData, cancellationToken);
    }
}
