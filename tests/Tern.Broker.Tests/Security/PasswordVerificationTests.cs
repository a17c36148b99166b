namespace Tern.Broker.Tests.Security;

public class PasswordVerificationTests
{
    private static readonly PasswordFile File = PasswordFile.Parse(TestEntries.Alice + "\n" + TestEntries.Bob + "\n", "p");

    [Fact]
    public void The_right_password_is_accepted()
    {
        Assert.True(File.Verify("alice", "wonderland"u8));
        Assert.True(File.Verify("bob", "builder"u8));
    }

    [Theory]
    [InlineData("alice", "Wonderland")]
    [InlineData("alice", "wonderland ")]
    [InlineData("alice", "wonderlan")]
    [InlineData("alice", "builder")]
    [InlineData("bob", "wonderland")]
    public void A_wrong_password_is_refused(string user, string password)
    {
        Assert.False(File.Verify(user, System.Text.Encoding.UTF8.GetBytes(password)));
    }

    [Theory]
    [InlineData("carol")]
    [InlineData("")]
    [InlineData("alice ")]
    public void An_unknown_user_is_refused(string user)
    {
        Assert.False(File.Verify(user, "wonderland"u8));
    }

    [Fact]
    public void An_empty_password_is_refused_for_every_user()
    {
        Assert.False(File.Verify("alice", ReadOnlySpan<byte>.Empty));
        Assert.False(File.Verify("carol", ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void A_password_is_compared_as_bytes_not_as_text()
    {
        var file = PasswordFile.Parse(PasswordFile.CreateEntry("dave", [0xFF, 0x00, 0x41], TestEntries.Iterations, TestEntries.Iterations), "p");

        Assert.True(file.Verify("dave", [0xFF, 0x00, 0x41]));
        Assert.False(file.Verify("dave", [0xFF, 0x00]));
    }

    [Fact]
    public void A_non_ascii_password_round_trips_as_utf8()
    {
        var file = PasswordFile.Parse(TestEntries.Entry("émile", "pâté-ü"), "p");

        Assert.True(file.Verify("émile", "pâté-ü"u8));
    }
}
