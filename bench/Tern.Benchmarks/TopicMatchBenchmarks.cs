using BenchmarkDotNet.Attributes;
using Tern.Protocol;
using Tern.Protocol.Topics;

namespace Tern.Benchmarks;

/// <summary>
/// TopicFilter.IsMatch on a 5-level topic, for the three shapes a router meets: an exact filter, a '+' filter and a
/// '#' filter; plus filter validation, which runs once per SUBSCRIBE entry. Expect 0 B allocated everywhere.
/// Run: <c>dotnet run -c Release --project bench/Tern.Benchmarks -- --filter *TopicMatch* --job short</c>.
/// </summary>
[MemoryDiagnoser]
public class TopicMatchBenchmarks
{
    private readonly byte[] _topic = "sport/tennis/player1/score/wimbledon"u8.ToArray();
    private readonly byte[] _exact = "sport/tennis/player1/score/wimbledon"u8.ToArray();
    private readonly byte[] _plus = "sport/+/player1/+/wimbledon"u8.ToArray();
    private readonly byte[] _hash = "sport/tennis/#"u8.ToArray();
    private readonly byte[] _miss = "sport/tennis/player2/#"u8.ToArray();

    [Benchmark(Baseline = true)]
    public bool Exact() => TopicFilter.IsMatch(_exact, _topic);

    [Benchmark]
    public bool SingleLevelWildcard() => TopicFilter.IsMatch(_plus, _topic);

    [Benchmark]
    public bool MultiLevelWildcard() => TopicFilter.IsMatch(_hash, _topic);

    [Benchmark]
    public bool MissAtThirdLevel() => TopicFilter.IsMatch(_miss, _topic);

    [Benchmark]
    public bool ValidatePlusFilter() => TopicFilter.Validate(_plus, ProtocolVersion.V500, maxLevels: 128).IsNone;
}
