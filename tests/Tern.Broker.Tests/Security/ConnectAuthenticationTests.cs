using Microsoft.Extensions.DependencyInjection;
using Tern.Broker.Tests.Support;
using Tern.Protocol;
using Tern.TestKit;

namespace Tern.Broker.Tests.Security;

/// <summary>CONNECT against the password file, per protocol version: the refusal codes of 3.1.1 §3.2.2.3 and 5.0 §3.2.2.2.</summary>
public class ConnectAuthenticationTests
{
    private static readonly string[] Users = ["alice:wonderland", "bob:builder"];

    [Theory]
    [InlineData(ProtocolVersion.V310)]
    [InlineData(ProtocolVersion.V311)]
    [InlineData(ProtocolVersion.V500)]
    public async Task A_user_with_the_right_password_is_accepted(ProtocolVersion version)
    {
        await using var broker = await SecuredBroker.StartAsync(Users);
        await using var client = await broker.ConnectAcceptedAsync("c1", "alice", "wonderland", version);
        await client.ExpectAliveAsync();
    }

    [Theory]
    [InlineData(ProtocolVersion.V310, 0x04)]
    [InlineData(ProtocolVersion.V311, 0x04)]
    [InlineData(ProtocolVersion.V500, 0x86)]
    public async Task A_wrong_password_is_refused_as_bad_user_name_or_password_and_closed(ProtocolVersion version, byte expected)
    {
        await using var broker = await SecuredBroker.StartAsync(Users);
        var (client, code) = await broker.ConnectAsync("c1", "alice", "not-the-password", version);
        await using var _ = client;

        Assert.Equal(expected, code);
        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("[4000]", broker.Broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-password", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x04)]
    [InlineData(ProtocolVersion.V500, 0x86)]
    public async Task An_unknown_user_is_refused_like_a_wrong_password(ProtocolVersion version, byte expected)
    {
        await using var broker = await SecuredBroker.StartAsync(Users);
        var (client, code) = await broker.ConnectAsync("c1", "mallory", "wonderland", version);
        await using var _ = client;
        Assert.Equal(expected, code);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Theory]
    [InlineData(ProtocolVersion.V311, 0x04)]
    [InlineData(ProtocolVersion.V500, 0x86)]
    public async Task A_user_name_without_a_password_is_refused_as_bad_user_name_or_password(ProtocolVersion version, byte expected)
    {
        await using var broker = await SecuredBroker.StartAsync(Users);
        var (client, code) = await broker.ConnectAsync("c1", "alice", null, version);
        await using var _ = client;
        Assert.Equal(expected, code);
    }

    [Theory]
    [InlineData(ProtocolVersion.V310, 0x05)]
    [InlineData(ProtocolVersion.V311, 0x05)]
    [InlineData(ProtocolVersion.V500, 0x87)]
    public async Task An_anonymous_client_is_refused_as_not_authorized_when_anonymous_access_is_off(ProtocolVersion version, byte expected)
    {
        await using var broker = await SecuredBroker.StartAsync(Users, configure: o => o.Security.AllowAnonymous = false);
        var (client, code) = await broker.ConnectAsync("anon", null, null, version);
        await using var _ = client;

        Assert.Equal(expected, code);
        await client.ExpectClosedAsync(Timeouts.Default);
        Assert.Contains("anonymous clients are not allowed on listener", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_configuration_a_loopback_listener_admits_anonymous_clients()
    {
        // The no-config start: one listener on 127.0.0.1 and SecurityOptions.AllowAnonymous null.
        await using var broker = await SecuredBroker.StartAsync();
        await using var client = await broker.ConnectAcceptedAsync("anon", null, null);
        await using var named = await broker.ConnectAcceptedAsync("named", "anyone", "anything");
    }

    [Fact]
    public async Task By_default_a_listener_bound_to_every_address_refuses_anonymous_clients()
    {
        await using var broker = await SecuredBroker.StartAsync(configure: o => o.Listeners = [new MqttListenerOptions { Bind = "0.0.0.0", Port = 0 }]);
        var (client, code) = await broker.ConnectAsync("anon", null, null);
        await using var _ = client;
        Assert.Equal(0x05, code);
    }

    [Fact]
    public async Task A_listener_that_allows_anonymous_clients_overrides_the_global_setting()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, configure: o =>
        {
            o.Security.AllowAnonymous = false;
            o.Listeners = [new MqttListenerOptions { Port = 0, Name = "open", AllowAnonymous = true }, new MqttListenerOptions { Port = 0, Name = "closed" }];
        });
        var endpoints = broker.Broker.Broker.Endpoints;

        await using var open = await RawMqttConnection.ConnectAsync("127.0.0.1", endpoints[0].Port);
        await open.SendAsync(SecuredBroker.Connect("a", null, null));
        Assert.Equal(0x00, (await open.ReadPacketAsync(Timeouts.Default))[3]);

        await using var closed = await RawMqttConnection.ConnectAsync("127.0.0.1", endpoints[1].Port);
        await closed.SendAsync(SecuredBroker.Connect("b", null, null));
        Assert.Equal(0x05, (await closed.ReadPacketAsync(Timeouts.Default))[3]);
        Assert.Contains("listener closed", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_name_nobody_can_verify_is_refused_where_anonymous_access_is_off()
    {
        await using var broker = await SecuredBroker.StartAsync(configure: o => o.Security.AllowAnonymous = false);
        var (client, code) = await broker.ConnectAsync("c", "alice", "wonderland", ProtocolVersion.V500);
        await using var _ = client;
        Assert.Equal(0x87, code);
    }

    [Fact]
    public async Task A_5_0_password_without_a_user_name_is_refused_with_0x86()
    {
        await using var broker = await SecuredBroker.StartAsync(Users, configure: o => o.Security.AllowAnonymous = true);
        var (client, code) = await broker.ConnectAsync("c", null, "wonderland", ProtocolVersion.V500);
        await using var _ = client;
        Assert.Equal(0x86, code);
    }

    [Fact]
    public async Task Refusals_are_counted_on_tern_auth_failures_by_reason_code()
    {
        var counted = new List<(long Value, object? Code)>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Name == "tern.auth.failures")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            lock (counted)
            {
                counted.Add((value, tags.ToArray().Single(t => t.Key == "reason_code").Value));
            }
        });
        listener.Start();

        await using var broker = await SecuredBroker.StartAsync(Users);
        var (client, code) = await broker.ConnectAsync("c", "bob", "wrong", ProtocolVersion.V500);
        await using var _ = client;
        Assert.Equal(0x86, code);
        lock (counted)
        {
            Assert.Contains((1L, (object?)(byte)0x86), counted);
        }
    }

    [Fact]
    public async Task An_embedders_authenticator_replaces_the_password_file_and_names_the_identity()
    {
        var seen = new List<MqttConnectContext>();
        var authenticator = new DelegateAuthenticator((context, _) =>
        {
            lock (seen)
            {
                seen.Add(context);
            }

            bool good = context.UserName == "device-7" && context.Password.Span.SequenceEqual("token"u8);
            return ValueTask.FromResult(good ? MqttAuthenticationResult.Accept("devices/7") : MqttAuthenticationResult.NotAuthorized);
        });
        await using var broker = await SecuredBroker.StartAsync(Users, services: s => s.AddSingleton<IMqttAuthenticator>(authenticator));

        await using var device = await broker.ConnectAcceptedAsync("d7", "device-7", "token", ProtocolVersion.V500);
        var (alice, code) = await broker.ConnectAsync("a", "alice", "wonderland", ProtocolVersion.V500);
        await using var _ = alice;

        Assert.Equal(0x87, code);
        lock (seen)
        {
            Assert.Equal("d7", seen[0].ClientId);
            Assert.Equal(ProtocolVersion.V500, seen[0].ProtocolVersion);
            Assert.NotNull(seen[0].RemoteEndPoint);
            Assert.True(seen[0].Password.Span.SequenceEqual(new byte[5]), "the password bytes are cleared after the call");
        }
    }

    [Fact]
    public async Task Packets_sent_right_after_CONNECT_wait_for_an_asynchronous_authenticator()
    {
        var answer = new TaskCompletionSource<MqttAuthenticationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var asked = new Signal("authenticator called");
        var authenticator = new DelegateAuthenticator((_, _) =>
        {
            asked.Set();
            return new ValueTask<MqttAuthenticationResult>(answer.Task);
        });
        await using var broker = await SecuredBroker.StartAsync(services: s => s.AddSingleton<IMqttAuthenticator>(authenticator));
        await using var client = await broker.Broker.ConnectRawAsync();

        // CONNECT and SUBSCRIBE in one write: the SUBSCRIBE must not be processed before CONNACK (5.0 MQTT-3.1.4-5 /
        // 3.1.1 MQTT-3.1.4-5: no data after CONNECT is processed until the client is accepted).
        await client.SendAsync((byte[])[.. SecuredBroker.Connect("slow", "u", "p"), .. Packets.Subscribe(1, "t", QualityOfService.AtMostOnce)]);
        await asked.WaitAsync(Timeouts.Default);
        await client.ExpectSilenceAsync(Timeouts.Quiet);

        answer.SetResult(MqttAuthenticationResult.Accept("u"));
        await client.ExpectAsync("20 02 00 00", Timeouts.Default);
        await client.ExpectAsync("90 03 00 01 00", Timeouts.Default);
    }

    [Fact]
    public async Task An_asynchronous_refusal_is_sent_as_CONNACK_and_the_later_packets_are_never_processed()
    {
        var answer = new TaskCompletionSource<MqttAuthenticationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var authenticator = new DelegateAuthenticator((_, _) => new ValueTask<MqttAuthenticationResult>(answer.Task));
        await using var broker = await SecuredBroker.StartAsync(services: s => s.AddSingleton<IMqttAuthenticator>(authenticator));
        await using var client = await broker.Broker.ConnectRawAsync();

        await client.SendAsync((byte[])[.. SecuredBroker.Connect("slow", "u", "p"), .. Packets.Subscribe(1, "t", QualityOfService.AtMostOnce)]);
        answer.SetResult(MqttAuthenticationResult.BadUserNameOrPassword);

        await client.ExpectAsync("20 02 00 04", Timeouts.Default);
        await client.ExpectClosedAsync(Timeouts.Default);
    }

    [Fact]
    public async Task An_authenticator_that_throws_refuses_the_client_with_0x80_and_logs_event_4001()
    {
        var authenticator = new DelegateAuthenticator((_, _) => throw new InvalidOperationException("directory unreachable"));
        await using var broker = await SecuredBroker.StartAsync(services: s => s.AddSingleton<IMqttAuthenticator>(authenticator));
        var (client, code) = await broker.ConnectAsync("c", "u", "secret-pw", ProtocolVersion.V500);
        await using var _ = client;

        Assert.Equal(0x80, code);
        Assert.Contains("[4001]", broker.Broker.Log, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-pw", broker.Broker.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_authenticator_that_never_answers_is_cancelled_and_the_connection_closed_at_the_connect_timeout()
    {
        var cancelled = new Signal("authentication cancelled");
        var authenticator = new DelegateAuthenticator(async (_, token) =>
        {
            token.Register(cancelled.Set);
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return MqttAuthenticationResult.AcceptedAnonymous;
        });
        await using var broker = await SecuredBroker.StartAsync(
            configure: o => o.ConnectTimeout = TimeSpan.FromMilliseconds(500),
            services: s => s.AddSingleton<IMqttAuthenticator>(authenticator));
        await using var client = await broker.Broker.ConnectRawAsync();
        await client.SendAsync(SecuredBroker.Connect("stuck", "u", "p", ProtocolVersion.V500));

        await cancelled.WaitAsync(Timeouts.Default);

        // The heartbeat's connect timeout and the authenticator's deadline race: CONNACK 0x88 Server unavailable and a
        // close, or a close alone. Either way the connection ends.
        try
        {
            var connack = await client.ReadPacketAsync(Timeouts.Default);
            Assert.Equal((0x20, 0x88), (connack[0], connack[3]));
            await client.ExpectClosedAsync(Timeouts.Default);
        }
        catch (ExpectationFailedException ex) when (ex.Message.Contains("expected a packet, but the peer", StringComparison.Ordinal) && !ex.Message.Contains(" sent ", StringComparison.Ordinal))
        {
            // Closed without CONNACK.
        }
    }

    /// <summary>An authenticator made of a delegate.</summary>
    internal sealed class DelegateAuthenticator(Func<MqttConnectContext, CancellationToken, ValueTask<MqttAuthenticationResult>> authenticate) : IMqttAuthenticator
    {
        public ValueTask<MqttAuthenticationResult> AuthenticateAsync(MqttConnectContext context, CancellationToken cancellationToken) =>
            authenticate(context, cancellationToken);
    }
}
