namespace Tern.TestKit;

/// <summary>What a test asks of the broker it starts; every kind of broker under test honours each setting.</summary>
public sealed record BrokerSettings
{
    /// <summary>The defaults: sessions in memory only.</summary>
    public static BrokerSettings Default { get; } = new();

    /// <summary>Whether sessions and retained messages go to durable storage (a fresh temporary directory).</summary>
    public bool Persistence { get; init; }

    /// <summary>Receives the broker's log when it is disposed, e.g. xunit's <c>ITestOutputHelper.WriteLine</c>.</summary>
    public Action<string>? LogSink { get; init; }
}
