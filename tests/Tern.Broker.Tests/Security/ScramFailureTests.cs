using System.Text;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

/// <summary>
/// Every way a client message can break RFC 5802 or this server's limits, as a table: each row names the rule, builds
/// the broken message from a valid exchange (so only the named part is wrong), and gives the reason code.
/// 0x86 for what is malformed or wrong, 0x8C for what this mechanism does not offer, 0x87 for acting as another user.
/// </summary>
public class ScramFailureTests
{
    private const string User = "user";
    private const string Password = "pencil";

    private static readonly Dictionary<string, (Func<ScramTestClient, string> First, ReasonCode Expected, string Why)> ClientFirstCases = new()
    {
        ["channel binding required (p=) is not offered RFC 5802 s6"] = (_ => "p=tls-unique,,n=user,r=abc", ReasonCode.BadAuthenticationMethod, "channel-binding-not-supported"),
        ["mandatory extension m= before the user name RFC 5802 s5_1"] = (_ => "n,,m=ext,n=user,r=abc", ReasonCode.BadAuthenticationMethod, "extensions-not-supported"),
        ["mandatory extension m= after the nonce RFC 5802 s5_1"] = (_ => "n,,n=user,r=abc,m=ext", ReasonCode.BadAuthenticationMethod, "extensions-not-supported"),
        ["unknown channel binding flag"] = (_ => "x,,n=user,r=abc", ReasonCode.BadUserNameOrPassword, "channel binding flag"),
        ["no GS2 header"] = (_ => "n=user,r=abc", ReasonCode.BadUserNameOrPassword, "channel binding flag"),
        ["GS2 header without its second comma"] = (_ => "n,", ReasonCode.BadUserNameOrPassword, "GS2 header does not end"),
        ["authzid that is not a="] = (_ => "n,b=user,n=user,r=abc", ReasonCode.BadUserNameOrPassword, "authorization identity"),
        ["authzid of another user"] = (_ => "n,a=admin,n=user,r=abc", ReasonCode.NotAuthorized, "another user"),
        ["missing user name"] = (_ => "n,,r=abc", ReasonCode.BadUserNameOrPassword, "user name (n=)"),
        ["missing nonce"] = (_ => "n,,n=user", ReasonCode.BadUserNameOrPassword, "nonce (r=)"),
        ["empty nonce"] = (_ => "n,,n=user,r=", ReasonCode.BadUserNameOrPassword, "not a letter, '=' and a value"),
        ["empty user name"] = (_ => "n,,n=,r=abc", ReasonCode.BadUserNameOrPassword, "not a letter, '=' and a value"),
        ["nonce before user name"] = (_ => "n,,r=abc,n=user", ReasonCode.BadUserNameOrPassword, "user name (n=)"),
        ["empty attribute"] = (_ => "n,,n=user,,r=abc", ReasonCode.BadUserNameOrPassword, "not a letter, '=' and a value"),
        ["second nonce as an extension"] = (_ => "n,,n=user,r=abc,r=def", ReasonCode.BadUserNameOrPassword, "out of order"),
        ["equals sign not followed by 2C or 3D RFC 5802 s5_1"] = (_ => "n,,n=us=2Xer,r=abc", ReasonCode.BadUserNameOrPassword, "invalid-username-encoding"),
        ["lower-case escape"] = (_ => "n,,n=us=2cer,r=abc", ReasonCode.BadUserNameOrPassword, "invalid-username-encoding"),
        ["escape cut short at the end"] = (_ => "n,,n=user=2,r=abc", ReasonCode.BadUserNameOrPassword, "invalid-username-encoding"),
        ["C0 control character in the user name"] = (_ => "n,,n=us\u0007er,r=abc", ReasonCode.BadUserNameOrPassword, "control character"),
        ["C1 control character in the user name"] = (_ => "n,,n=us\u0085er,r=abc", ReasonCode.BadUserNameOrPassword, "control character"),
        ["non-ASCII nonce"] = (_ => "n,,n=user,r=ab\u00e9", ReasonCode.BadUserNameOrPassword, "nonce (r=)"),
        ["message over 4 KiB"] = (_ => "n,,n=user,r=" + new string('a', 4096), ReasonCode.BadUserNameOrPassword, "limit"),
    };

    private static readonly Dictionary<string, (Func<ScramTestClient, string, string> Final, ReasonCode Expected, string Why)> ClientFinalCases = new()
    {
        ["wrong password"] = ((c, sf) => new ScramTestClient(ScramHash.Sha256, User, "pencil!", c.ClientNonce).ClientFinal(sf), ReasonCode.BadUserNameOrPassword, "invalid-proof"),
        ["tampered nonce"] = ((c, sf) => c.ClientFinal(sf, nonce: ScramTestClient.ParseServerFirst(sf).Nonce + "x"), ReasonCode.BadUserNameOrPassword, "nonce differs"),
        ["client nonce without the server part"] = ((c, sf) => c.ClientFinal(sf, nonce: c.ClientNonce), ReasonCode.BadUserNameOrPassword, "nonce differs"),
        ["channel binding of y,, after n,, RFC 5802 s6"] = ((c, sf) => c.ClientFinal(sf, channelBinding: "eSws"), ReasonCode.BadUserNameOrPassword, "channel-bindings-dont-match"),
        ["channel binding with binding data"] = ((c, sf) => c.ClientFinal(sf, channelBinding: Convert.ToBase64String("n,,data"u8)), ReasonCode.BadUserNameOrPassword, "channel-bindings-dont-match"),
        ["channel binding that is not base64"] = ((c, sf) => c.ClientFinal(sf, channelBinding: "b!ws"), ReasonCode.BadUserNameOrPassword, "channel binding (c=)"),
        ["channel binding base64 with whitespace"] = ((c, sf) => c.ClientFinal(sf, channelBinding: "bi ws"), ReasonCode.BadUserNameOrPassword, "channel binding (c=)"),
        ["tampered proof"] = ((c, sf) => FlipProofBit(c.ClientFinal(sf)), ReasonCode.BadUserNameOrPassword, "invalid-proof"),
        ["proof one byte short"] = ((c, sf) => ReplaceProof(c.ClientFinal(sf), new byte[31]), ReasonCode.BadUserNameOrPassword, "proof (p=)"),
        ["missing proof"] = ((c, sf) => Without(c.ClientFinal(sf), "p="), ReasonCode.BadUserNameOrPassword, "needs c=, r= and p="),
        ["missing channel binding"] = ((c, sf) => Without(c.ClientFinal(sf), "c="), ReasonCode.BadUserNameOrPassword, "needs c=, r= and p="),
        ["missing nonce"] = ((c, sf) => Without(c.ClientFinal(sf), "r="), ReasonCode.BadUserNameOrPassword, "needs c=, r= and p="),
        ["proof missing between extensions"] = ((c, sf) => Without(c.ClientFinal(sf, extensions: "x=1,y=2"), "p="), ReasonCode.BadUserNameOrPassword, "proof (p=)"),
        ["channel binding missing before extensions"] = ((c, sf) => Without(c.ClientFinal(sf, extensions: "x=1"), "c="), ReasonCode.BadUserNameOrPassword, "channel binding (c=)"),
        ["proof not last"] = ((c, sf) => c.ClientFinal(sf) + ",x=1", ReasonCode.BadUserNameOrPassword, "proof (p=)"),
        ["mandatory extension m= RFC 5802 s5_1"] = ((c, sf) => c.ClientFinal(sf, extensions: "m=ext"), ReasonCode.BadAuthenticationMethod, "extensions-not-supported"),
        ["mandatory extension m= first"] = ((c, sf) => "m=ext," + c.ClientFinal(sf), ReasonCode.BadAuthenticationMethod, "extensions-not-supported"),
        ["message over 4 KiB"] = ((c, sf) => c.ClientFinal(sf, extensions: "x=" + new string('a', 4096)), ReasonCode.BadUserNameOrPassword, "limit"),
    };

    public static TheoryData<string> ClientFirstCaseNames => [.. ClientFirstCases.Keys];

    public static TheoryData<string> ClientFinalCaseNames => [.. ClientFinalCases.Keys];

    [Theory]
    [MemberData(nameof(ClientFirstCaseNames))]
    public void A_broken_client_first_message_fails_the_exchange_with_its_reason_code(string name)
    {
        var (first, expected, why) = ClientFirstCases[name];
        var exchange = Mechanism().CreateExchange(new EnhancedAuthenticationContext("c1"));

        var result = ScramRoundTripTests.Step(exchange, first(new ScramTestClient(ScramHash.Sha256, User, Password)));

        AssertFailure(expected, result);
        Assert.Contains(why, result.Description, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ClientFinalCaseNames))]
    public void A_broken_client_final_message_fails_the_exchange_with_its_reason_code(string name)
    {
        var (final, expected, why) = ClientFinalCases[name];
        var client = new ScramTestClient(ScramHash.Sha256, User, Password);
        var exchange = Mechanism().CreateExchange(new EnhancedAuthenticationContext("c1"));
        string serverFirst = ScramRoundTripTests.Text(ScramRoundTripTests.Step(exchange, client.ClientFirst));

        var result = ScramRoundTripTests.Step(exchange, final(client, serverFirst));

        AssertFailure(expected, result);
        Assert.Contains(why, result.Description, StringComparison.Ordinal);
    }

    [Fact]
    public void The_untampered_exchange_that_every_row_starts_from_succeeds()
    {
        // Guards the table: if the valid exchange failed, every row would pass for the wrong reason.
        var result = ScramRoundTripTests.RunExchange(Mechanism(), new ScramTestClient(ScramHash.Sha256, User, Password));

        Assert.Equal(EnhancedAuthenticationOutcome.Success, result.Outcome);
    }

    [Fact]
    public async Task A_client_first_message_that_is_not_UTF_8_fails_with_0x86()
    {
        var exchange = Mechanism().CreateExchange(new EnhancedAuthenticationContext("c1"));

        var result = await exchange.StepAsync(new byte[] { (byte)'n', (byte)',', (byte)',', (byte)'n', (byte)'=', 0xC3, 0x28, (byte)',', (byte)'r', (byte)'=', (byte)'a' });

        AssertFailure(ReasonCode.BadUserNameOrPassword, result);
    }

    [Fact]
    public async Task A_message_of_exactly_the_limit_is_parsed_and_one_byte_more_is_refused_unparsed()
    {
        var mechanism = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore(), new ScramMechanismOptions { MaxMessageLength = 100 });
        string atLimit = "n,,n=user,r=" + new string('a', 100 - "n,,n=user,r=".Length);

        var accepted = await mechanism.CreateExchange(new EnhancedAuthenticationContext("c1")).StepAsync(Encoding.UTF8.GetBytes(atLimit));
        var refused = await mechanism.CreateExchange(new EnhancedAuthenticationContext("c1")).StepAsync(Encoding.UTF8.GetBytes(atLimit + "a"));

        Assert.Equal(EnhancedAuthenticationOutcome.Continue, accepted.Outcome);
        AssertFailure(ReasonCode.BadUserNameOrPassword, refused);
        Assert.Contains("limit", refused.Description, StringComparison.Ordinal);
    }

    private static void AssertFailure(ReasonCode expected, EnhancedAuthenticationResult result)
    {
        Assert.Equal(EnhancedAuthenticationOutcome.Failure, result.Outcome);
        Assert.Equal(expected, result.ReasonCode);
        Assert.Null(result.UserName);
        Assert.True(result.Data.IsEmpty);
        Assert.False(string.IsNullOrEmpty(result.Description));
    }

    private static ScramMechanism Mechanism()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser(User, Password, 16);
        return new ScramMechanism(ScramHash.Sha256, store);
    }

    private static string FlipProofBit(string clientFinal)
    {
        int at = clientFinal.LastIndexOf(",p=", StringComparison.Ordinal) + 3;
        byte[] proof = Convert.FromBase64String(clientFinal[at..]);
        proof[0] ^= 0x01;
        return ReplaceProof(clientFinal, proof);
    }

    private static string ReplaceProof(string clientFinal, byte[] proof) =>
        clientFinal[..(clientFinal.LastIndexOf(",p=", StringComparison.Ordinal) + 3)] + Convert.ToBase64String(proof);

    private static string Without(string clientFinal, string attribute) =>
        string.Join(',', clientFinal.Split(',').Where(part => !part.StartsWith(attribute, StringComparison.Ordinal)));
}
