namespace Tern.Broker.Tests.Security;

/// <summary>Password file lines made once with the smallest allowed iteration count, so tests stay fast.</summary>
internal static class TestEntries
{
    public const int Iterations = PasswordFile.MinimumIterations;

    public static readonly string Alice = Entry("alice", "wonderland");

    public static readonly string Bob = Entry("bob", "builder");

    /// <summary>The hash part of <see cref="Alice"/>: everything after <c>alice:</c>.</summary>
    public static string AliceHash => Alice["alice:".Length..];

    public static string Entry(string user, string password) =>
        PasswordFile.CreateEntry(user, System.Text.Encoding.UTF8.GetBytes(password), Iterations, Iterations);
}
