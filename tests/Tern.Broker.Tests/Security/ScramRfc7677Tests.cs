using System.Text;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>The SCRAM-SHA-256 exchange of RFC 7677 §3, replayed against the server byte for byte.</summary>
public class ScramRfc7677Tests
{
    // RFC 7677 §3: user "user", password "pencil".
    private const string ClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";

    // The server's part of the nonce in the RFC: printable, not base64, which is why the generator is injectable.
    private const string ServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";

    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinal = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    [Fact]
    public async Task The_server_reproduces_the_RFC_7677_SCRAM_SHA_256_exchange_byte_for_byte()
    {
        var exchange = RfcMechanism().CreateExchange(new EnhancedAuthenticationContext("c1"));

        var first = await exchange.StepAsync(Encoding.UTF8.GetBytes(ClientFirst));
        Assert.Equal(EnhancedAuthenticationOutcome.Continue, first.Outcome);
        Assert.Equal(ReasonCode.ContinueAuthentication, first.ReasonCode);
        Assert.Equal(Encoding.UTF8.GetBytes(ServerFirst), first.Data.ToArray());

        var final = await exchange.StepAsync(Encoding.UTF8.GetBytes(ClientFinal));
        Assert.Equal(EnhancedAuthenticationOutcome.Success, final.Outcome);
        Assert.Equal(ReasonCode.Success, final.ReasonCode);
        Assert.Equal("user", final.UserName);
        Assert.Equal(Encoding.UTF8.GetBytes(ServerFinal), final.Data.ToArray());
    }

    [Fact]
    public void The_test_client_computes_the_RFC_7677_client_final_message_and_accepts_its_server_final_message()
    {
        // Checks the test-side client against the RFC, so that the round trips built on it test the server, not it.
        var client = new ScramTestClient(ScramHash.Sha256, "user", "pencil", "rOprNGfwEbeRWgbNEkqO");

        Assert.Equal(ClientFirst, client.ClientFirst);
        Assert.Equal(ClientFinal, client.ClientFinal(ServerFirst));
        Assert.True(client.VerifyServerFinal(ServerFinal));
        Assert.False(client.VerifyServerFinal("v=" + new string('A', 43) + "="));
    }

    [Fact]
    public async Task A_proof_computed_from_another_password_fails_the_RFC_exchange_with_0x86()
    {
        var exchange = RfcMechanism().CreateExchange(new EnhancedAuthenticationContext("c1"));
        var first = await exchange.StepAsync(Encoding.UTF8.GetBytes(ClientFirst));
        var impostor = new ScramTestClient(ScramHash.Sha256, "user", "pencil2", "rOprNGfwEbeRWgbNEkqO");

        var final = await exchange.StepAsync(Encoding.UTF8.GetBytes(impostor.ClientFinal(Encoding.UTF8.GetString(first.Data.Span))));

        Assert.Equal(EnhancedAuthenticationOutcome.Failure, final.Outcome);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, final.ReasonCode);
    }

    private static ScramMechanism RfcMechanism()
    {
        var store = new InMemoryScramCredentialStore();
        store.Set("user", ScramHash.Sha256, ScramCredential.FromPassword("pencil", Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096, ScramHash.Sha256));
        return new ScramMechanism(ScramHash.Sha256, store, new ScramMechanismOptions { ServerNonceGenerator = () => ServerNonce });
    }
}
