using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// An unknown user must look like a known one until the proof fails (RFC 5802 §9 lets a server hide which users exist):
/// same shape of server-first-message, a salt that does not change between attempts, the same failure as a wrong password.
/// </summary>
public class ScramUnknownUserTests
{
    private static readonly byte[] Secret = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    [Theory]
    [InlineData(ScramHash.Sha256)]
    [InlineData(ScramHash.Sha512)]
    public void An_unknown_user_gets_a_server_first_message_of_the_same_shape_then_fails_with_0x86_like_a_wrong_password(ScramHash hash)
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("known", "secret");
        var mechanism = new ScramMechanism(hash, store, new ScramMechanismOptions { ServerSecret = Secret });

        var (knownFirst, knownFinal) = Attempt(mechanism, hash, "known", "wrong");
        var (unknownFirst, unknownFinal) = Attempt(mechanism, hash, "nobody", "wrong");

        Assert.Equal(knownFirst.Nonce.Length, unknownFirst.Nonce.Length);
        Assert.Equal(knownFirst.Salt.Length, unknownFirst.Salt.Length);
        Assert.Equal(knownFirst.Iterations, unknownFirst.Iterations);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, knownFinal.ReasonCode);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, unknownFinal.ReasonCode);
        Assert.Equal(knownFinal.Description, unknownFinal.Description);
    }

    [Fact]
    public void An_unknown_user_gets_the_same_salt_on_every_attempt_and_across_instances_sharing_the_server_secret()
    {
        var options = new ScramMechanismOptions { ServerSecret = Secret };
        var one = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore(), options);
        var two = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore(), options);

        byte[] first = Attempt(one, ScramHash.Sha256, "nobody", "x").First.Salt;
        byte[] again = Attempt(one, ScramHash.Sha256, "nobody", "x").First.Salt;
        byte[] afterRestart = Attempt(two, ScramHash.Sha256, "nobody", "x").First.Salt;
        byte[] otherUser = Attempt(one, ScramHash.Sha256, "somebody", "x").First.Salt;

        Assert.Equal(first, again);
        Assert.Equal(first, afterRestart);
        Assert.NotEqual(first, otherUser);
    }

    [Fact]
    public void The_unknown_user_iteration_count_and_salt_length_follow_the_options()
    {
        var mechanism = new ScramMechanism(
            ScramHash.Sha256,
            new InMemoryScramCredentialStore(),
            new ScramMechanismOptions { UnknownUserIterations = 10_000, UnknownUserSaltLength = 32 });

        var (first, final) = Attempt(mechanism, ScramHash.Sha256, "nobody", "x");

        Assert.Equal(10_000, first.Iterations);
        Assert.Equal(32, first.Salt.Length);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, final.ReasonCode);
    }

    [Fact]
    public void A_user_whose_stored_keys_do_not_fit_the_hash_is_treated_as_unknown()
    {
        // A SHA-256 credential filed under SHA-512 by mistake: refused like an unknown user, not a crash.
        var store = new InMemoryScramCredentialStore();
        store.Set("mixed", ScramHash.Sha512, ScramCredential.FromPassword("secret", new byte[16], 16, ScramHash.Sha256));

        var (_, final) = Attempt(new ScramMechanism(ScramHash.Sha512, store), ScramHash.Sha512, "mixed", "secret");

        Assert.Equal(ReasonCode.BadUserNameOrPassword, final.ReasonCode);
    }

    private static ((string Nonce, byte[] Salt, int Iterations) First, EnhancedAuthenticationResult Final) Attempt(
        ScramMechanism mechanism, ScramHash hash, string user, string password)
    {
        var client = new ScramTestClient(hash, user, password);
        var exchange = mechanism.CreateExchange(new EnhancedAuthenticationContext("c1"));
        var first = ScramRoundTripTests.Step(exchange, client.ClientFirst);
        string serverFirst = ScramRoundTripTests.Text(first);
        var final = ScramRoundTripTests.Step(exchange, client.ClientFinal(serverFirst));
        Assert.Equal(EnhancedAuthenticationOutcome.Failure, final.Outcome);
        return (ScramTestClient.ParseServerFirst(serverFirst), final);
    }
}
