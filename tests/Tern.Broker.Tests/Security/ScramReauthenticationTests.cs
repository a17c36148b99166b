using System.Text;
using Tern.Protocol;
using Tern.Protocol.Packets;
using Tern.Protocol.Properties;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// The per-connection state machine that drives a mechanism (5.0 §4.12, §4.12.1) with SCRAM as the mechanism: the
/// packet the channel sends after each step, re-authentication, and AUTH packets that break the protocol.
/// </summary>
public class ScramReauthenticationTests
{
    private const string Method = "SCRAM-SHA-256";
    private readonly InMemoryScramCredentialStore _store = new();

    public ScramReauthenticationTests()
    {
        _store.AddUser("alice", "alice-password", 16);
        _store.AddUser("bob", "bob-password", 16);
    }

    [Fact]
    public async Task The_initial_exchange_answers_CONNECT_with_AUTH_0x18_then_the_client_AUTH_0x18_with_CONNACK_0x00_MQTT_4_12_0_2()
    {
        var session = NewSession();
        var client = Client("alice", "alice-password");
        Assert.True(session.IsAwaitingConnAck);

        var challenge = await session.StartAsync(client.ClientFirstBytes);
        Assert.Equal(EnhancedAuthenticationAction.SendAuthContinue, challenge.Action);
        Assert.Equal(ReasonCode.ContinueAuthentication, challenge.ReasonCode);
        Assert.True(session.IsAwaitingConnAck);

        var accepted = await Auth(session, ReasonCode.ContinueAuthentication, Method, client.ClientFinal(Text(challenge)));
        Assert.Equal(EnhancedAuthenticationAction.AcceptConnection, accepted.Action);
        Assert.Equal(ReasonCode.Success, accepted.ReasonCode);
        Assert.Equal("alice", accepted.UserName);
        Assert.True(client.VerifyServerFinal(Text(accepted)));
        Assert.False(accepted.ClosesConnection);
        Assert.Equal("alice", session.UserName);
        Assert.Equal(EnhancedAuthenticationState.Authenticated, session.State);
        Assert.False(session.IsAwaitingConnAck);
    }

    [Fact]
    public void The_mechanism_is_chosen_by_exact_name_and_an_unknown_method_is_reported_for_CONNACK_0x8C_MQTT_4_12_0_1()
    {
        IEnhancedAuthenticationMechanism[] mechanisms = [new ScramMechanism(ScramHash.Sha256, _store), new ScramMechanism(ScramHash.Sha512, _store)];

        Assert.True(EnhancedAuthenticationSession.TryCreate(mechanisms, "SCRAM-SHA-512"u8, "c1", null, out var session));
        Assert.Equal("SCRAM-SHA-512", session!.Method);
        Assert.False(EnhancedAuthenticationSession.TryCreate(mechanisms, "SCRAM-SHA-1"u8, "c1", null, out _));
        Assert.False(EnhancedAuthenticationSession.TryCreate(mechanisms, "scram-sha-256"u8, "c1", null, out _));
    }

    [Fact]
    public async Task A_wrong_password_in_the_initial_exchange_is_refused_with_CONNACK_0x86_MQTT_4_12_0_4()
    {
        var session = NewSession();
        var client = Client("alice", "not-the-password");

        var challenge = await session.StartAsync(client.ClientFirstBytes);
        var refused = await Auth(session, ReasonCode.ContinueAuthentication, Method, client.ClientFinal(Text(challenge)));

        Assert.Equal(EnhancedAuthenticationAction.RefuseConnection, refused.Action);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, refused.ReasonCode);
        Assert.True(refused.ClosesConnection);
        Assert.Equal(EnhancedAuthenticationState.Closed, session.State);
    }

    [Fact]
    public async Task Re_authentication_as_the_same_user_ends_with_AUTH_0x00_and_can_be_repeated_MQTT_4_12_1_1()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");

        for (int round = 0; round < 2; round++)
        {
            var client = Client("alice", "alice-password");
            var challenge = await Auth(session, ReasonCode.ReAuthenticate, Method, client.ClientFirst);
            Assert.Equal(EnhancedAuthenticationAction.SendAuthContinue, challenge.Action);
            Assert.Equal(EnhancedAuthenticationState.Reauthenticating, session.State);
            Assert.False(session.IsAwaitingConnAck);

            var done = await Auth(session, ReasonCode.ContinueAuthentication, Method, client.ClientFinal(Text(challenge)));
            Assert.Equal(EnhancedAuthenticationAction.SendAuthSuccess, done.Action);
            Assert.Equal(ReasonCode.Success, done.ReasonCode);
            Assert.True(client.VerifyServerFinal(Text(done)));
            Assert.Equal(EnhancedAuthenticationState.Authenticated, session.State);
        }
    }

    [Fact]
    public async Task Re_authentication_as_another_user_with_valid_credentials_is_refused_with_DISCONNECT_0x87_MQTT_4_12_1_2()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");
        var bob = Client("bob", "bob-password");

        var challenge = await Auth(session, ReasonCode.ReAuthenticate, Method, bob.ClientFirst);
        var refused = await Auth(session, ReasonCode.ContinueAuthentication, Method, bob.ClientFinal(Text(challenge)));

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.True(refused.Data.IsEmpty);
        Assert.Equal("alice", session.UserName);
        Assert.Equal(EnhancedAuthenticationState.Closed, session.State);
    }

    [Fact]
    public async Task A_failed_re_authentication_is_a_DISCONNECT_and_0x86_which_DISCONNECT_cannot_carry_becomes_0x87_MQTT_4_12_1_2()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");
        var client = Client("alice", "wrong");

        var challenge = await Auth(session, ReasonCode.ReAuthenticate, Method, client.ClientFirst);
        var refused = await Auth(session, ReasonCode.ContinueAuthentication, Method, client.ClientFinal(Text(challenge)));

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.NotAuthorized, refused.ReasonCode);
        Assert.True(ReasonCodes.IsAllowedIn(refused.ReasonCode, PacketType.Disconnect));
    }

    [Fact]
    public async Task A_re_authentication_refused_with_0x8C_keeps_the_code_because_DISCONNECT_allows_it()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");

        var refused = await Auth(session, ReasonCode.ReAuthenticate, Method, "p=tls-unique,,n=alice,r=abc");

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.BadAuthenticationMethod, refused.ReasonCode);
    }

    [Fact]
    public async Task An_AUTH_with_another_authentication_method_gets_0x8C_MQTT_4_12_0_5()
    {
        var before = NewSession();
        await before.StartAsync(Client("alice", "alice-password").ClientFirstBytes);
        var after = await AuthenticatedSessionAsync("alice", "alice-password");

        var refusedBefore = await Auth(before, ReasonCode.ContinueAuthentication, "SCRAM-SHA-512", "c=biws,r=x,p=AAAA");
        var refusedAfter = await Auth(after, ReasonCode.ReAuthenticate, "SCRAM-SHA-512", "n,,n=alice,r=abc");

        Assert.Equal(EnhancedAuthenticationAction.RefuseConnection, refusedBefore.Action);
        Assert.Equal(ReasonCode.BadAuthenticationMethod, refusedBefore.ReasonCode);
        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refusedAfter.Action);
        Assert.Equal(ReasonCode.BadAuthenticationMethod, refusedAfter.ReasonCode);
    }

    [Fact]
    public async Task An_AUTH_without_an_authentication_method_is_a_protocol_error_5_0_section_3_15_2_2_2()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");

        var refused = await Auth(session, ReasonCode.ReAuthenticate, method: null, "n,,n=alice,r=abc");

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.ProtocolError, refused.ReasonCode);
    }

    [Theory]
    [InlineData(ReasonCode.ReAuthenticate)]
    [InlineData(ReasonCode.Success)]
    public async Task Before_CONNACK_an_AUTH_other_than_0x18_is_refused_with_CONNACK_0x82_MQTT_4_12_0_3(ReasonCode reasonCode)
    {
        var session = NewSession();
        await session.StartAsync(Client("alice", "alice-password").ClientFirstBytes);

        var refused = await Auth(session, reasonCode, Method, "c=biws,r=x,p=AAAA");

        Assert.Equal(EnhancedAuthenticationAction.RefuseConnection, refused.Action);
        Assert.Equal(ReasonCode.ProtocolError, refused.ReasonCode);
        Assert.Contains("MQTT-4.12.0-3", refused.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ReasonCode.ContinueAuthentication)]
    [InlineData(ReasonCode.Success)]
    public async Task After_CONNACK_an_AUTH_other_than_0x19_that_answers_no_challenge_is_refused_with_DISCONNECT_0x82_5_0_section_4_12_1(ReasonCode reasonCode)
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");

        var refused = await Auth(session, reasonCode, Method, "n,,n=alice,r=abc");

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.ProtocolError, refused.ReasonCode);
    }

    [Fact]
    public async Task During_re_authentication_a_second_AUTH_0x19_is_refused_with_DISCONNECT_0x82_5_0_section_4_12_1()
    {
        var session = await AuthenticatedSessionAsync("alice", "alice-password");
        await Auth(session, ReasonCode.ReAuthenticate, Method, Client("alice", "alice-password").ClientFirst);

        var refused = await Auth(session, ReasonCode.ReAuthenticate, Method, Client("alice", "alice-password").ClientFirst);

        Assert.Equal(EnhancedAuthenticationAction.Disconnect, refused.Action);
        Assert.Equal(ReasonCode.ProtocolError, refused.ReasonCode);
    }

    [Fact]
    public async Task Calls_out_of_order_are_caller_bugs()
    {
        var session = NewSession();
        Assert.Throws<InvalidOperationException>(() => { Auth(session, ReasonCode.ContinueAuthentication, Method, "x"); });

        await session.StartAsync("n,,n=alice,r=abc,m=x"u8);
        Assert.Equal(EnhancedAuthenticationState.Closed, session.State);
        Assert.Throws<InvalidOperationException>(() => { session.StartAsync("n,,n=alice,r=abc"u8); });
        Assert.Throws<InvalidOperationException>(() => { Auth(session, ReasonCode.ContinueAuthentication, Method, "x"); });
    }

    [Fact]
    public async Task An_asynchronous_mechanism_gets_a_copy_of_the_data_and_no_AUTH_is_accepted_until_its_step_completes()
    {
        var mechanism = new ScriptedMechanism();
        var session = new EnhancedAuthenticationSession(mechanism, "c1");
        byte[] receiveBuffer = Encoding.UTF8.GetBytes("hello");

        var pending = session.StartAsync(receiveBuffer);
        receiveBuffer[0] = (byte)'J';

        Assert.False(pending.IsCompleted);
        Assert.Equal("hello", Encoding.UTF8.GetString(mechanism.Received[0].Span));
        Assert.Throws<InvalidOperationException>(() => { Auth(session, ReasonCode.ContinueAuthentication, "SCRIPTED", "x"); });

        mechanism.Steps[0].SetResult(EnhancedAuthenticationResult.Success(ReadOnlyMemory<byte>.Empty, "carol"));
        var accepted = await pending;

        Assert.Equal(EnhancedAuthenticationAction.AcceptConnection, accepted.Action);
        Assert.Equal("carol", session.UserName);
        Assert.False(mechanism.Contexts[0].IsReauthentication);
    }

    [Fact]
    public async Task A_re_authenticating_mechanism_is_told_the_current_user()
    {
        var mechanism = new ScriptedMechanism();
        var session = new EnhancedAuthenticationSession(mechanism, "c1");
        var initial = session.StartAsync(default);
        mechanism.Steps[0].SetResult(EnhancedAuthenticationResult.Success(ReadOnlyMemory<byte>.Empty, "carol"));
        await initial;

        var reauthentication = Auth(session, ReasonCode.ReAuthenticate, "SCRIPTED", "again");
        mechanism.Steps[1].SetResult(EnhancedAuthenticationResult.Success(ReadOnlyMemory<byte>.Empty, "carol"));
        var done = await reauthentication;

        Assert.Equal(EnhancedAuthenticationAction.SendAuthSuccess, done.Action);
        Assert.Equal("carol", mechanism.Contexts[1].ReauthenticatingUserName);
        Assert.True(mechanism.Contexts[1].IsReauthentication);
        Assert.Equal("c1", mechanism.Contexts[1].ClientIdentifier);
    }

    [Fact]
    public async Task A_mechanism_that_throws_refuses_the_connection_with_0x80_and_hands_the_exception_to_the_log()
    {
        var mechanism = new ScriptedMechanism();
        var session = new EnhancedAuthenticationSession(mechanism, "c1");
        var pending = session.StartAsync("x"u8);

        mechanism.Steps[0].SetException(new InvalidOperationException("directory unreachable"));
        var refused = await pending;

        Assert.Equal(EnhancedAuthenticationAction.RefuseConnection, refused.Action);
        Assert.Equal(ReasonCode.UnspecifiedError, refused.ReasonCode);
        Assert.IsType<InvalidOperationException>(refused.Error);
    }

    [Fact]
    public async Task A_step_cancelled_because_the_connection_closed_ends_the_session()
    {
        var session = NewSession();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await session.StartAsync(Client("alice", "alice-password").ClientFirstBytes, new CancellationToken(canceled: true)));

        Assert.Equal(EnhancedAuthenticationState.Closed, session.State);
    }

    [Theory]
    [InlineData(ReasonCode.ContinueAuthentication)]
    [InlineData(ReasonCode.Success)]
    [InlineData(ReasonCode.SessionTakenOver)]
    public void A_failure_needs_a_CONNACK_reason_code_of_0x80_or_above(ReasonCode reasonCode) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => EnhancedAuthenticationResult.Failure(reasonCode));

    private static ScramTestClient Client(string user, string password) => new(ScramHash.Sha256, user, password);

    private static string Text(EnhancedAuthenticationReply reply) => Encoding.UTF8.GetString(reply.Data.Span);

    private static ValueTask<EnhancedAuthenticationReply> Auth(EnhancedAuthenticationSession session, ReasonCode reasonCode, string? method, string data)
    {
        var properties = new PropertyBuilder();
        if (method is not null)
        {
            properties.AddString(PropertyId.AuthenticationMethod, method);
        }

        properties.AddBytes(PropertyId.AuthenticationData, Encoding.UTF8.GetBytes(data));
        return session.ReceiveAuthAsync(new AuthPacket { ReasonCode = reasonCode, Properties = new MqttProperties(properties.Span) });
    }

    private EnhancedAuthenticationSession NewSession() => new(new ScramMechanism(ScramHash.Sha256, _store), "c1");

    private async Task<EnhancedAuthenticationSession> AuthenticatedSessionAsync(string user, string password)
    {
        var session = NewSession();
        var client = Client(user, password);
        var challenge = await session.StartAsync(client.ClientFirstBytes);
        var accepted = await Auth(session, ReasonCode.ContinueAuthentication, Method, client.ClientFinal(Text(challenge)));
        Assert.Equal(EnhancedAuthenticationAction.AcceptConnection, accepted.Action);
        return session;
    }

    /// <summary>An embedder's mechanism whose every step completes when the test says so.</summary>
    private sealed class ScriptedMechanism : IEnhancedAuthenticationMechanism
    {
        public List<TaskCompletionSource<EnhancedAuthenticationResult>> Steps { get; } = [];

        public List<ReadOnlyMemory<byte>> Received { get; } = [];

        public List<EnhancedAuthenticationContext> Contexts { get; } = [];

        public string Name => "SCRIPTED";

        public IEnhancedAuthenticationExchange CreateExchange(EnhancedAuthenticationContext context)
        {
            Contexts.Add(context);
            return new Exchange(this);
        }

        private sealed class Exchange(ScriptedMechanism owner) : IEnhancedAuthenticationExchange
        {
            public ValueTask<EnhancedAuthenticationResult> StepAsync(ReadOnlyMemory<byte> clientData, CancellationToken cancellationToken = default)
            {
                owner.Received.Add(clientData);
                var step = new TaskCompletionSource<EnhancedAuthenticationResult>(TaskCreationOptions.RunContinuationsAsynchronously);
                owner.Steps.Add(step);
                return new ValueTask<EnhancedAuthenticationResult>(step.Task);
            }
        }
    }
}
