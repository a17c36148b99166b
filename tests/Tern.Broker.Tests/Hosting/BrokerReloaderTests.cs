using Microsoft.Extensions.Logging.Abstractions;
using Tern.Broker.Hosting;
using Xunit;

namespace Tern.Broker.Tests.Hosting;

public sealed class BrokerReloaderTests
{
    [Fact]
    public void When_every_part_is_good_every_part_is_put_in_force()
    {
        var acl = new Part("acl");
        var passwords = new Part("password file");
        var result = new BrokerReloader([acl, passwords], NullLoggerFactory.Instance).Reload();

        Assert.True(result.Succeeded);
        Assert.Equal(["acl", "password file"], result.Reloaded);
        Assert.Empty(result.Problems);
        Assert.Equal(1, acl.Commits);
        Assert.Equal(1, passwords.Commits);
    }

    [Fact]
    public void When_one_part_is_bad_no_part_changes_and_the_problem_is_reported()
    {
        var acl = new Part("acl");
        var passwords = new Part("password file") { Problem = "password file /etc/tern/passwd line 3: no ':' separator." };
        var result = new BrokerReloader([acl, passwords], NullLoggerFactory.Instance).Reload();

        Assert.False(result.Succeeded);
        Assert.Empty(result.Reloaded);
        Assert.Equal(["password file /etc/tern/passwd line 3: no ':' separator."], result.Problems);
        Assert.Equal(0, acl.Commits);
        Assert.Equal(0, passwords.Commits);
    }

    [Fact]
    public void A_part_that_throws_while_preparing_fails_the_reload_instead_of_the_broker()
    {
        var acl = new Part("acl") { Throws = true };
        var passwords = new Part("password file");
        var result = new BrokerReloader([acl, passwords], NullLoggerFactory.Instance).Reload();

        Assert.False(result.Succeeded);
        Assert.Equal(["acl: file is gone"], result.Problems);
        Assert.Equal(0, passwords.Commits);
    }

    private sealed class Part(string name) : IReloadableComponent
    {
        public string Name => name;

        public string? Problem { get; init; }

        public bool Throws { get; init; }

        public int Commits { get; private set; }

        public ReloadPreparation Prepare()
        {
            if (Throws)
            {
                throw new IOException("file is gone");
            }

            return Problem is null ? ReloadPreparation.Ready(() => Commits++) : ReloadPreparation.Failed(Problem);
        }
    }
}
