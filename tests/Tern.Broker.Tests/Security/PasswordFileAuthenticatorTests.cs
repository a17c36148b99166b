using System.Text;
using Tern.Protocol;

namespace Tern.Broker.Tests.Security;

public sealed class PasswordFileAuthenticatorTests : IDisposable
{
    private static readonly PasswordFile Passwords = PasswordFile.Parse(TestEntries.Alice + "\n", "p");

    private readonly PasswordFileAuthenticator _closed = new(Passwords, allowAnonymous: false);
    private readonly PasswordFileAuthenticator _open = new(Passwords, allowAnonymous: true);

    public void Dispose()
    {
        _closed.Dispose();
        _open.Dispose();
    }

    [Fact]
    public async Task The_right_password_is_accepted_as_that_user()
    {
        var result = await _closed.AuthenticateAsync(Connect("alice", "wonderland"), CancellationToken.None);

        Assert.True(result.IsAccepted);
        Assert.False(result.IsAnonymous);
        Assert.Equal("alice", result.UserName);
        Assert.Equal(ReasonCode.Success, result.ReasonCode);
    }

    [Theory]
    [InlineData("alice", "wrong")]
    [InlineData("mallory", "wonderland")]
    [InlineData("alice", "")]
    public async Task Wrong_credentials_are_refused_with_0x86_even_when_anonymous_access_is_allowed(string user, string password)
    {
        Assert.Equal(ReasonCode.BadUserNameOrPassword, (await _closed.AuthenticateAsync(Connect(user, password), CancellationToken.None)).ReasonCode);
        Assert.Equal(ReasonCode.BadUserNameOrPassword, (await _open.AuthenticateAsync(Connect(user, password), CancellationToken.None)).ReasonCode);
    }

    [Fact]
    public async Task A_user_name_without_a_password_is_refused_with_0x86()
    {
        var context = new MqttConnectContext { ClientId = "c", UserName = "alice" };

        Assert.Equal(ReasonCode.BadUserNameOrPassword, (await _open.AuthenticateAsync(context, CancellationToken.None)).ReasonCode);
    }

    [Fact]
    public async Task A_password_without_a_user_name_is_refused_with_0x86()
    {
        var context = new MqttConnectContext { ClientId = "c", HasPassword = true, Password = "wonderland"u8.ToArray() };

        Assert.Equal(ReasonCode.BadUserNameOrPassword, (await _open.AuthenticateAsync(context, CancellationToken.None)).ReasonCode);
    }

    [Fact]
    public async Task No_credentials_are_refused_with_0x87_unless_anonymous_access_is_allowed()
    {
        var context = new MqttConnectContext { ClientId = "c" };

        Assert.Equal(ReasonCode.NotAuthorized, (await _closed.AuthenticateAsync(context, CancellationToken.None)).ReasonCode);
        var open = await _open.AuthenticateAsync(context, CancellationToken.None);
        Assert.True(open.IsAccepted);
        Assert.True(open.IsAnonymous);
    }

    [Fact]
    public async Task Without_a_password_file_a_user_name_is_not_an_identity()
    {
        using var open = new PasswordFileAuthenticator(null, allowAnonymous: true);
        using var closed = new PasswordFileAuthenticator(null, allowAnonymous: false);

        var result = await open.AuthenticateAsync(Connect("alice", "anything"), CancellationToken.None);

        Assert.True(result.IsAnonymous);
        Assert.Null(result.UserName);
        Assert.Equal(ReasonCode.NotAuthorized, (await closed.AuthenticateAsync(Connect("alice", "anything"), CancellationToken.None)).ReasonCode);
    }

    [Fact]
    public async Task A_cancelled_connect_stops_waiting_for_a_verification_slot()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await _closed.AuthenticateAsync(Connect("alice", "wonderland"), cancelled.Token));
    }

    [Fact]
    public void A_password_file_in_force_cannot_be_replaced_by_none()
    {
        Assert.Throws<ArgumentNullException>(() => _closed.Update(null));
        Assert.Same(Passwords, _closed.Passwords);
    }

    [Theory]
    [InlineData(ReasonCode.Success)]
    [InlineData(ReasonCode.NoMatchingSubscribers)]
    [InlineData(ReasonCode.PacketIdentifierInUse)]
    [InlineData(ReasonCode.SessionTakenOver)]
    public void A_refusal_needs_a_connack_failure_code(ReasonCode code)
    {
        Assert.Throws<ArgumentException>(() => MqttAuthenticationResult.Refuse(code));
    }

    [Theory]
    [InlineData(ReasonCode.Banned)]
    [InlineData(ReasonCode.ClientIdentifierNotValid)]
    [InlineData(ReasonCode.NotAuthorized)]
    public void A_refusal_carries_its_reason_code(ReasonCode code)
    {
        var result = MqttAuthenticationResult.Refuse(code);

        Assert.False(result.IsAccepted);
        Assert.False(result.IsAnonymous);
        Assert.Equal(code, result.ReasonCode);
    }

    private static MqttConnectContext Connect(string user, string password) => new()
    {
        ClientId = "c1",
        UserName = user,
        HasPassword = true,
        Password = Encoding.UTF8.GetBytes(password),
        ProtocolVersion = ProtocolVersion.V500,
    };
}
