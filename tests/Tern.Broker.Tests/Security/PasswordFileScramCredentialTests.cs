using System.Security.Cryptography;
using System.Text;

namespace Tern.Broker.Tests.Security;

/// <summary>The keys stored for SCRAM (RFC 5802 §3), checked against the SCRAM-SHA-256 exchange of RFC 7677 §3.</summary>
public class PasswordFileScramCredentialTests
{
    // RFC 7677 §3: user "user", password "pencil", salt and iteration count from the server-first-message.
    private const string Salt = "W22ZaJ0SNY7soEsUEjb6gQ==";
    private const string ClientFirstBare = "n=user,r=rOprNGfwEbeRWgbNEkqO";
    private const string ServerFirst = "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
    private const string ClientFinalWithoutProof = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
    private const string ClientProof = "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
    private const string ServerSignature = "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

    private static readonly PasswordFile File = PasswordFile.Parse(
        PasswordFile.CreateEntry("user", "pencil"u8, Convert.FromBase64String(Salt), 4096, 4096), "rfc7677");

    private static byte[] AuthMessage => Encoding.ASCII.GetBytes(ClientFirstBare + "," + ServerFirst + "," + ClientFinalWithoutProof);

    [Fact]
    public void The_server_key_reproduces_the_server_signature_of_rfc_7677()
    {
        Assert.True(File.TryGetScramCredential("user", "SCRAM-SHA-256", out var salt, out int iterations, out _, out var serverKey));

        Assert.Equal(Salt, Convert.ToBase64String(salt));
        Assert.Equal(4096, iterations);
        Assert.Equal(ServerSignature, Convert.ToBase64String(HMACSHA256.HashData(serverKey, AuthMessage)));
    }

    [Fact]
    public void The_stored_key_accepts_the_client_proof_of_rfc_7677()
    {
        Assert.True(File.TryGetScramCredential("user", "SCRAM-SHA-256", out _, out _, out var storedKey, out _));

        // RFC 5802 §3: ClientKey = ClientProof XOR HMAC(StoredKey, AuthMessage); the server checks H(ClientKey) = StoredKey.
        var signature = HMACSHA256.HashData(storedKey, AuthMessage);
        var clientKey = Convert.FromBase64String(ClientProof);
        for (int i = 0; i < clientKey.Length; i++)
        {
            clientKey[i] ^= signature[i];
        }

        Assert.Equal(storedKey, SHA256.HashData(clientKey));
    }

    [Fact]
    public void The_sha512_keys_follow_rfc_5802_from_the_same_salt()
    {
        Assert.True(File.TryGetScramCredential("user", "SCRAM-SHA-512", out var salt, out int iterations, out var storedKey, out var serverKey));

        var salted = Rfc2898DeriveBytes.Pbkdf2("pencil"u8, salt, iterations, HashAlgorithmName.SHA512, 64);
        Assert.Equal(SHA512.HashData(HMACSHA512.HashData(salted, "Client Key"u8)), storedKey);
        Assert.Equal(HMACSHA512.HashData(salted, "Server Key"u8), serverKey);
        Assert.Equal(Salt, Convert.ToBase64String(salt));
    }

    [Fact]
    public void The_plain_password_verifies_against_the_same_entry()
    {
        Assert.True(File.Verify("user", "pencil"u8));
        Assert.False(File.Verify("user", "pencil2"u8));
    }

    [Theory]
    [InlineData("nobody", "SCRAM-SHA-256")]
    [InlineData("user", "SCRAM-SHA-1")]
    [InlineData("user", "scram-sha-256")]
    [InlineData("user", "PLAIN")]
    public void An_unknown_user_or_mechanism_has_no_credential(string user, string mechanism)
    {
        Assert.False(File.TryGetScramCredential(user, mechanism, out var salt, out int iterations, out var storedKey, out var serverKey));
        Assert.Empty(salt);
        Assert.Equal(0, iterations);
        Assert.Empty(storedKey);
        Assert.Empty(serverKey);
    }

    [Fact]
    public void The_returned_arrays_are_copies()
    {
        File.TryGetScramCredential("user", "SCRAM-SHA-256", out var salt, out _, out var storedKey, out _);
        salt[0] ^= 0xFF;
        storedKey[0] ^= 0xFF;

        File.TryGetScramCredential("user", "SCRAM-SHA-256", out var again, out _, out var storedAgain, out _);

        Assert.Equal(Salt, Convert.ToBase64String(again));
        Assert.NotEqual(storedKey, storedAgain);
    }

    [Fact]
    public void The_file_stores_no_salted_password_or_client_key()
    {
        string entry = PasswordFile.CreateEntry("user", "pencil"u8, Convert.FromBase64String(Salt), 4096, 4096);
        var salted256 = Rfc2898DeriveBytes.Pbkdf2("pencil"u8, Convert.FromBase64String(Salt), 4096, HashAlgorithmName.SHA256, 32);
        var salted512 = Rfc2898DeriveBytes.Pbkdf2("pencil"u8, Convert.FromBase64String(Salt), 4096, HashAlgorithmName.SHA512, 64);

        // Either would let a thief of the file log in with SCRAM without knowing the password.
        Assert.DoesNotContain(Convert.ToBase64String(salted256), entry, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(salted512), entry, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(HMACSHA256.HashData(salted256, "Client Key"u8)), entry, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(HMACSHA512.HashData(salted512, "Client Key"u8)), entry, StringComparison.Ordinal);
    }
}
