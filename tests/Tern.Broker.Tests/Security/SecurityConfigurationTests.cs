namespace Tern.Broker.Tests.Security;

/// <summary>RELIABILITY D11 (CVE-2017-7652): a bad reload keeps the previous files in force and never opens the broker up.</summary>
public sealed class SecurityConfigurationTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("tern-security-").FullName;

    private string PasswordPath => Path.Combine(_directory, "passwd");

    private string AclPath => Path.Combine(_directory, "acl");

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public async Task Load_builds_an_authenticator_and_an_authorizer_from_the_files()
    {
        Write(PasswordPath, TestEntries.Alice + "\n");
        Write(AclPath, "user alice\ntopic readwrite alice/#\n");

        using var security = SecurityConfiguration.Load(Options());

        Assert.True((await AuthenticateAsync(security, "alice", "wonderland")).IsAccepted);
        Assert.True(security.Authorizer!.CanPublish(new MqttClientContext("c1", "alice"), "alice/x"u8));
        Assert.Empty(security.Warnings);
    }

    [Fact]
    public void Without_an_acl_file_there_is_no_authorizer_to_call()
    {
        Write(PasswordPath, TestEntries.Alice + "\n");

        using var security = SecurityConfiguration.Load(new SecurityOptions { PasswordFile = PasswordPath });

        Assert.Null(security.Authorizer);
        Assert.Null(security.Acl);
    }

    [Theory]
    [InlineData("passwd")]
    [InlineData("acl")]
    public void Load_fails_when_a_configured_file_is_missing(string missing)
    {
        Write(PasswordPath, TestEntries.Alice + "\n");
        Write(AclPath, "topic read a\n");
        File.Delete(Path.Combine(_directory, missing));

        var error = Assert.Throws<SecurityConfigurationException>(() => SecurityConfiguration.Load(Options()));

        Assert.Contains(Path.Combine(_directory, missing), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_fails_on_a_malformed_file_naming_the_line()
    {
        Write(PasswordPath, TestEntries.Alice + "\nbob\n");
        Write(AclPath, "topic read a\n");

        var error = Assert.Throws<SecurityConfigurationException>(() => SecurityConfiguration.Load(Options()));

        Assert.Equal($"{PasswordPath} line 2: no ':' between the user name and the password hash", error.Message);
    }

    [Fact]
    public async Task A_good_reload_puts_both_files_in_force()
    {
        Write(PasswordPath, TestEntries.Alice + "\n");
        Write(AclPath, "user alice\ntopic read a\n");
        using var security = SecurityConfiguration.Load(Options());
        var alice = new MqttClientContext("c1", "alice");

        Write(PasswordPath, TestEntries.Bob + "\n");
        Write(AclPath, "user alice\ntopic read b\n");
        var result = security.Reload();

        Assert.True(result.Succeeded, result.Error);
        Assert.Null(result.Error);
        Assert.False((await AuthenticateAsync(security, "alice", "wonderland")).IsAccepted);
        Assert.True((await AuthenticateAsync(security, "bob", "builder")).IsAccepted);
        Assert.False(security.Authorizer!.CanReceive(alice, "a"u8));
        Assert.True(security.Authorizer.CanReceive(alice, "b"u8));
    }

    [Theory]
    [InlineData("bad password file")]
    [InlineData("bad acl file")]
    [InlineData("missing password file")]
    [InlineData("missing acl file")]
    [InlineData("empty password line")]
    public async Task A_bad_reload_keeps_both_old_snapshots_in_force(string damage)
    {
        Write(PasswordPath, TestEntries.Alice + "\n");
        Write(AclPath, "user alice\ntopic read a\n");
        using var security = SecurityConfiguration.Load(Options());
        var alice = new MqttClientContext("c1", "alice");

        // One file good and changed, the other damaged: neither change may take effect.
        switch (damage)
        {
            case "bad password file":
                Write(PasswordPath, "alice:\n");
                Write(AclPath, "topic readwrite #\nuser alice\ntopic readwrite #\n");
                break;
            case "bad acl file":
                Write(PasswordPath, TestEntries.Bob + "\n");
                Write(AclPath, "user alice\ntopic read a/#/b\n");
                break;
            case "missing password file":
                File.Delete(PasswordPath);
                Write(AclPath, "user alice\ntopic readwrite #\n");
                break;
            case "missing acl file":
                Write(PasswordPath, TestEntries.Bob + "\n");
                File.Delete(AclPath);
                break;
            default:
                Write(PasswordPath, ":\n");
                break;
        }

        var result = security.Reload();

        Assert.False(result.Succeeded);
        Assert.False(string.IsNullOrEmpty(result.Error));
        Assert.True((await AuthenticateAsync(security, "alice", "wonderland")).IsAccepted);
        Assert.False((await AuthenticateAsync(security, "bob", "builder")).IsAccepted);
        Assert.True(security.Authorizer!.CanReceive(alice, "a"u8));
        Assert.False(security.Authorizer.CanReceive(alice, "b"u8));
        Assert.False(security.Authorizer.CanPublish(alice, "a"u8));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void A_password_file_others_can_read_is_reported()
    {
        Write(PasswordPath, TestEntries.Alice + "\n");
        File.SetUnixFileMode(PasswordPath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);

        using var security = SecurityConfiguration.Load(new SecurityOptions { PasswordFile = PasswordPath });

        Assert.Equal([$"password file {PasswordPath} can be read or written by other users; run: chmod 600 {PasswordPath}"], security.Warnings);
    }

    [Fact]
    public void A_configuration_that_admits_nobody_is_reported()
    {
        using var security = SecurityConfiguration.Load(new SecurityOptions { AllowAnonymous = false });

        Assert.Equal(["no password file and anonymous access off: every client is refused"], security.Warnings);
    }

    [Fact]
    public void The_default_anonymous_setting_decides_per_listener_and_is_no_warning()
    {
        // Null: allowed on loopback listeners only (the broker decides per listener), so no file-level warning.
        using var security = SecurityConfiguration.Load(new SecurityOptions());

        Assert.Empty(security.Warnings);
    }

    [Fact]
    public void Options_are_copied_at_load()
    {
        var options = new SecurityOptions { AllowAnonymous = true };
        using var security = SecurityConfiguration.Load(options);

        options.AllowAnonymous = false;

        Assert.True(security.Options.AllowAnonymous);
    }

    private static async Task<MqttAuthenticationResult> AuthenticateAsync(SecurityConfiguration security, string user, string password) =>
        await security.Authenticator.AuthenticateAsync(
            new MqttConnectContext { ClientId = "c", UserName = user, HasPassword = true, Password = System.Text.Encoding.UTF8.GetBytes(password) },
            CancellationToken.None);

    private static void Write(string path, string text)
    {
        File.WriteAllText(path, text);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private SecurityOptions Options() => new() { PasswordFile = PasswordPath, AclFile = AclPath };
}
