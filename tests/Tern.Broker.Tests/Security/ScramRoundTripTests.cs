using System.Text;
using CsCheck;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>Whole exchanges between the server and the test client, for both hashes and the optional parts of RFC 5802.</summary>
public class ScramRoundTripTests
{
    private const int FastIterations = 16;

    [Fact]
    public async Task A_SCRAM_SHA_512_exchange_succeeds_and_the_client_accepts_the_server_signature()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("alice", "correct horse battery staple");
        var client = new ScramTestClient(ScramHash.Sha512, "alice", "correct horse battery staple");
        var exchange = new ScramMechanism(ScramHash.Sha512, store).CreateExchange(new EnhancedAuthenticationContext("c1"));

        var first = await exchange.StepAsync(client.ClientFirstBytes);
        string serverFirst = Encoding.UTF8.GetString(first.Data.Span);
        var (nonce, salt, iterations) = ScramTestClient.ParseServerFirst(serverFirst);
        var final = await exchange.StepAsync(client.ClientFinalBytes(serverFirst));

        Assert.Equal(EnhancedAuthenticationOutcome.Continue, first.Outcome);
        Assert.StartsWith(client.ClientNonce, nonce, StringComparison.Ordinal);
        Assert.Equal(InMemoryScramCredentialStore.SaltLength, salt.Length);
        Assert.Equal(InMemoryScramCredentialStore.DefaultIterations, iterations);
        Assert.Equal(EnhancedAuthenticationOutcome.Success, final.Outcome);
        Assert.Equal("alice", final.UserName);
        Assert.True(client.VerifyServerFinal(Encoding.UTF8.GetString(final.Data.Span)));
        Assert.Equal("SCRAM-SHA-512", new ScramMechanism(ScramHash.Sha512, store).Name);
    }

    [Fact]
    public void Any_user_name_with_commas_equals_signs_and_non_ASCII_letters_and_any_password_round_trip_for_both_hashes()
    {
        var names = Gen.Char["ab,=é€ Z9"].Array[1, 12].Select(chars => new string(chars));
        var passwords = Gen.Char["pw,=ü 1!"].Array[0, 16].Select(chars => new string(chars));
        Gen.Select(names, passwords, Gen.OneOfConst(ScramHash.Sha256, ScramHash.Sha512)).Sample((name, password, hash) =>
        {
            var store = new InMemoryScramCredentialStore();
            store.AddUser(name, password, FastIterations);
            var result = RunExchange(new ScramMechanism(hash, store), new ScramTestClient(hash, name, password));
            Assert.Equal(EnhancedAuthenticationOutcome.Success, result.Outcome);
            Assert.Equal(name, result.UserName);
        }, iter: 40);
    }

    [Theory]
    [InlineData("y,,")]
    [InlineData("n,a=bob,")]
    [InlineData("y,a=bob,")]
    public void A_client_without_channel_binding_or_with_its_own_user_as_authzid_is_accepted_RFC_5802_section_6(string gs2Header)
    {
        // y,, means "I could bind but think you cannot": right here, as this server offers no -PLUS mechanism.
        var store = new InMemoryScramCredentialStore();
        store.AddUser("bob", "secret", FastIterations);

        var result = RunExchange(new ScramMechanism(ScramHash.Sha256, store), new ScramTestClient(ScramHash.Sha256, "bob", "secret", gs2Header: gs2Header));

        Assert.Equal(EnhancedAuthenticationOutcome.Success, result.Outcome);
    }

    [Fact]
    public void Unknown_extensions_in_client_first_and_client_final_are_ignored_RFC_5802_section_5_1()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("bob", "secret", FastIterations);
        var client = new ScramTestClient(ScramHash.Sha256, "bob", "secret", firstExtensions: "x=first-extension");
        var exchange = new ScramMechanism(ScramHash.Sha256, store).CreateExchange(new EnhancedAuthenticationContext("c1"));

        var first = Step(exchange, client.ClientFirst);
        var final = Step(exchange, client.ClientFinal(Text(first), extensions: "y=one,z=two"));

        Assert.Equal(EnhancedAuthenticationOutcome.Success, final.Outcome);
    }

    [Fact]
    public void A_CONNECT_without_authentication_data_gets_an_empty_challenge_then_the_exchange_proceeds()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("bob", "secret", FastIterations);
        var client = new ScramTestClient(ScramHash.Sha256, "bob", "secret");
        var exchange = new ScramMechanism(ScramHash.Sha256, store).CreateExchange(new EnhancedAuthenticationContext("c1"));

        var challenge = Step(exchange, string.Empty);
        var first = Step(exchange, client.ClientFirst);
        var final = Step(exchange, client.ClientFinal(Text(first)));

        Assert.Equal(EnhancedAuthenticationOutcome.Continue, challenge.Outcome);
        Assert.True(challenge.Data.IsEmpty);
        Assert.Equal(EnhancedAuthenticationOutcome.Continue, first.Outcome);
        Assert.Equal(EnhancedAuthenticationOutcome.Success, final.Outcome);
    }

    [Fact]
    public void A_second_empty_message_instead_of_client_first_fails_with_0x86()
    {
        var exchange = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore()).CreateExchange(new EnhancedAuthenticationContext("c1"));

        Step(exchange, string.Empty);
        var result = Step(exchange, string.Empty);

        Assert.Equal(EnhancedAuthenticationOutcome.Failure, result.Outcome);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, result.ReasonCode);
    }

    [Fact]
    public void Each_exchange_appends_a_fresh_server_nonce_of_at_least_18_random_bytes_to_the_client_nonce()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("bob", "secret", FastIterations);
        var mechanism = new ScramMechanism(ScramHash.Sha256, store);
        var client = new ScramTestClient(ScramHash.Sha256, "bob", "secret", "fixed-client-nonce");

        string one = ScramTestClient.ParseServerFirst(Text(Step(mechanism.CreateExchange(new EnhancedAuthenticationContext("c1")), client.ClientFirst))).Nonce;
        string two = ScramTestClient.ParseServerFirst(Text(Step(mechanism.CreateExchange(new EnhancedAuthenticationContext("c2")), client.ClientFirst))).Nonce;

        Assert.NotEqual(one, two);
        Assert.StartsWith("fixed-client-nonce", one, StringComparison.Ordinal);
        Assert.True(Convert.FromBase64String(one["fixed-client-nonce".Length..]).Length >= 18);
    }

    [Fact]
    public void A_step_after_the_exchange_ended_is_a_caller_bug()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("bob", "secret", FastIterations);
        var client = new ScramTestClient(ScramHash.Sha256, "bob", "secret");
        var exchange = new ScramMechanism(ScramHash.Sha256, store).CreateExchange(new EnhancedAuthenticationContext("c1"));
        var first = Step(exchange, client.ClientFirst);
        Step(exchange, client.ClientFinal(Text(first)));

        Assert.Throws<InvalidOperationException>(() => Step(exchange, client.ClientFirst));
    }

    [Fact]
    public async Task A_cancelled_step_returns_a_cancelled_task()
    {
        var exchange = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore()).CreateExchange(new EnhancedAuthenticationContext("c1"));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await exchange.StepAsync(Encoding.UTF8.GetBytes("n,,n=bob,r=abc"), new CancellationToken(canceled: true)));
    }

    internal static EnhancedAuthenticationResult RunExchange(ScramMechanism mechanism, ScramTestClient client)
    {
        var exchange = mechanism.CreateExchange(new EnhancedAuthenticationContext("c1"));
        var first = Step(exchange, client.ClientFirst);
        Assert.Equal(EnhancedAuthenticationOutcome.Continue, first.Outcome);
        var final = Step(exchange, client.ClientFinal(Text(first)));
        if (final.Outcome == EnhancedAuthenticationOutcome.Success)
        {
            Assert.True(client.VerifyServerFinal(Text(final)));
        }

        return final;
    }

    internal static EnhancedAuthenticationResult Step(IEnhancedAuthenticationExchange exchange, string message)
    {
        // The SCRAM mechanism completes synchronously (no I/O); a test that relied on otherwise would fail here.
        var pending = exchange.StepAsync(Encoding.UTF8.GetBytes(message));
        Assert.True(pending.IsCompletedSuccessfully);
        return pending.Result;
    }

    internal static string Text(EnhancedAuthenticationResult result) => Encoding.UTF8.GetString(result.Data.Span);
}
