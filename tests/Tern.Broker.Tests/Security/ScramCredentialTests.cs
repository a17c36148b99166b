using System.Text;

namespace Tern.Broker.Tests.Security;

/// <summary>Credentials, the in-memory store and the mechanism's settings.</summary>
public class ScramCredentialTests
{
    [Fact]
    public void A_credential_from_a_password_keeps_its_own_copy_of_the_salt_and_keys_of_the_hash_size()
    {
        byte[] salt = Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ==");

        var sha256 = ScramCredential.FromPassword("pencil", salt, 4096, ScramHash.Sha256);
        var sha512 = ScramCredential.FromPassword("pencil", salt, 4096, ScramHash.Sha512);
        salt[0] ^= 0xFF;

        Assert.Equal(Convert.FromBase64String("W22ZaJ0SNY7soEsUEjb6gQ=="), sha256.Salt);
        Assert.Equal(4096, sha256.Iterations);
        Assert.Equal(32, sha256.StoredKey.Length);
        Assert.Equal(32, sha256.ServerKey.Length);
        Assert.Equal(64, sha512.StoredKey.Length);
        Assert.Equal(64, sha512.ServerKey.Length);
        Assert.NotEqual(sha256.StoredKey, sha256.ServerKey);
    }

    [Fact]
    public void A_credential_refuses_an_empty_salt_a_non_positive_iteration_count_and_empty_keys()
    {
        byte[] key = new byte[32];

        Assert.Throws<ArgumentException>(() => new ScramCredential([], 4096, key, key));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScramCredential([1], 0, key, key));
        Assert.Throws<ArgumentException>(() => new ScramCredential([1], 4096, [], key));
        Assert.Throws<ArgumentException>(() => new ScramCredential([1], 4096, key, []));
        Assert.Throws<ArgumentOutOfRangeException>(() => ScramCredential.FromPassword("p", [1], 0, ScramHash.Sha256));
    }

    [Fact]
    public void The_in_memory_store_holds_both_hashes_with_fresh_salts_compares_names_ordinally_and_removes_users()
    {
        var store = new InMemoryScramCredentialStore();
        store.AddUser("alice", "secret", 16);

        Assert.True(store.TryGetCredential("alice", ScramHash.Sha256, out var sha256));
        Assert.True(store.TryGetCredential("alice", ScramHash.Sha512, out var sha512));
        Assert.Equal(InMemoryScramCredentialStore.SaltLength, sha256.Salt.Length);
        Assert.NotEqual(sha256.Salt, sha512.Salt);
        Assert.False(store.TryGetCredential("Alice", ScramHash.Sha256, out _));

        Assert.True(store.RemoveUser("alice"));
        Assert.False(store.TryGetCredential("alice", ScramHash.Sha256, out _));
        Assert.False(store.RemoveUser("alice"));
    }

    [Fact]
    public void A_user_added_with_one_hash_only_fails_the_other_mechanism()
    {
        var store = new InMemoryScramCredentialStore();
        store.Set("alice", ScramHash.Sha256, ScramCredential.FromPassword("secret", [1, 2, 3, 4], 16, ScramHash.Sha256));

        var sha256 = ScramRoundTripTests.RunExchange(new ScramMechanism(ScramHash.Sha256, store), new ScramTestClient(ScramHash.Sha256, "alice", "secret"));
        var sha512 = ScramRoundTripTests.RunExchange(new ScramMechanism(ScramHash.Sha512, store), new ScramTestClient(ScramHash.Sha512, "alice", "secret"));

        Assert.Equal(EnhancedAuthenticationOutcome.Success, sha256.Outcome);
        Assert.Equal(EnhancedAuthenticationOutcome.Failure, sha512.Outcome);
    }

    [Fact]
    public void The_mechanism_refuses_settings_out_of_range()
    {
        var store = new InMemoryScramCredentialStore();

        Assert.Throws<ArgumentException>(() => new ScramMechanism(ScramHash.Sha256, store, new ScramMechanismOptions { ServerSecret = new byte[15] }));
        Assert.Throws<ArgumentException>(() => new ScramMechanism(ScramHash.Sha256, store, new ScramMechanismOptions { UnknownUserIterations = 0 }));
        Assert.Throws<ArgumentException>(() => new ScramMechanism(ScramHash.Sha256, store, new ScramMechanismOptions { UnknownUserSaltLength = 0 }));
        Assert.Throws<ArgumentException>(() => new ScramMechanism(ScramHash.Sha256, store, new ScramMechanismOptions { MaxMessageLength = 63 }));
        Assert.Throws<ArgumentNullException>(() => new ScramMechanism(ScramHash.Sha256, null!));
    }

    [Theory]
    [InlineData("")]
    [InlineData("a,b")]
    [InlineData("caf\u00e9")]
    public void A_server_nonce_generator_that_returns_a_value_RFC_5802_forbids_is_a_configuration_bug(string nonce)
    {
        var mechanism = new ScramMechanism(ScramHash.Sha256, new InMemoryScramCredentialStore(), new ScramMechanismOptions { ServerNonceGenerator = () => nonce });
        var exchange = mechanism.CreateExchange(new EnhancedAuthenticationContext("c1"));

        Assert.Throws<InvalidOperationException>(() => { exchange.StepAsync(Encoding.UTF8.GetBytes("n,,n=alice,r=abc")); });
    }
}
