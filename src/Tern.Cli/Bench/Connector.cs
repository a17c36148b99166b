using System.Globalization;
using System.Net;

namespace Tern.Cli.Bench;

/// <summary>Opens and closes many connections at once, a bounded number at a time.</summary>
internal static class Connector
{
    /// <summary>How long one TCP connect + CONNECT + CONNACK may take.</summary>
    public static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Opens <paramref name="count"/> connections named "<paramref name="role"/> i" with client ids
    /// "<c>{prefix}-{tag}{i}</c>", from the source addresses round robin. The first failure fails the whole call
    /// (a throughput run with a missing client measures nothing) and closes what was opened.
    /// </summary>
    public static async Task<BenchConnection[]> OpenManyAsync(
        BenchSettings s, EndPoint broker, int count, string role, string tag, CancellationToken cancellationToken, bool latency = false)
    {
        var opened = new BenchConnection?[count];
        try
        {
            await Parallel.ForEachAsync(
                Enumerable.Range(0, count),
                new ParallelOptions { MaxDegreeOfParallelism = s.ConnectConcurrency, CancellationToken = cancellationToken },
                async (i, ct) =>
                {
                    using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    deadline.CancelAfter(ConnectTimeout);
                    var connection = await OpenOneAsync(s, broker, i, role, tag, latency, deadline.Token).ConfigureAwait(false);
                    opened[i] = connection;
                }).ConfigureAwait(false);
        }
        catch
        {
            await CloseManyAsync(opened.OfType<BenchConnection>(), s.ConnectConcurrency).ConfigureAwait(false);
            throw;
        }

        return [.. opened.OfType<BenchConnection>()];
    }

    /// <summary>Opens connection number <paramref name="index"/>.</summary>
    public static Task<BenchConnection> OpenOneAsync(BenchSettings s, EndPoint broker, int index, string role, string tag, bool latency, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(s);
        var source = s.SourceAddresses.Count == 0 ? null : s.SourceAddresses[index % s.SourceAddresses.Count];
        string clientId = string.Create(CultureInfo.InvariantCulture, $"{s.ClientIdPrefix}-{tag}{index}");
        string name = string.Create(CultureInfo.InvariantCulture, $"{role} {index}");
        bool persistent = s.PersistentSubscribers && role == "subscriber";
        return BenchConnection.OpenAsync(broker, s.Host, s.Port, source, clientId, name, s.Protocol, latency ? new LatencySamples() : null, cancellationToken, persistent);
    }

    /// <summary>Opens connection number <paramref name="index"/> of the connections scenario on the calling thread (<see cref="BenchConnection.Open"/>).</summary>
    public static BenchConnection OpenOne(BenchSettings s, EndPoint broker, int index)
    {
        ArgumentNullException.ThrowIfNull(s);
        var source = s.SourceAddresses.Count == 0 ? null : s.SourceAddresses[index % s.SourceAddresses.Count];
        string clientId = string.Create(CultureInfo.InvariantCulture, $"{s.ClientIdPrefix}-c{index}");
        string name = string.Create(CultureInfo.InvariantCulture, $"connection {index}");
        return BenchConnection.Open(broker, s.Host, s.Port, source, clientId, name, s.Protocol, ConnectTimeout);
    }

    /// <summary>Sends DISCONNECT on each connection and closes it, a bounded number at a time.</summary>
    public static async Task CloseManyAsync(IEnumerable<BenchConnection> connections, int concurrency)
    {
        await Parallel.ForEachAsync(
            connections,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, concurrency) },
            async (c, _) => await c.DisconnectAsync().ConfigureAwait(false)).ConfigureAwait(false);
    }
}
