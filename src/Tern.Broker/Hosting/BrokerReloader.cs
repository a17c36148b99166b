using Microsoft.Extensions.Logging;

namespace Tern.Broker.Hosting;

/// <summary>
/// Reloads every <see cref="IReloadableComponent"/> together: prepares all, and commits all only when none found a
/// problem. Reloads are serialised; SIGHUP and the admin API may ask at the same time.
/// </summary>
internal sealed class BrokerReloader(IEnumerable<IReloadableComponent> components, ILoggerFactory loggerFactory)
{
    private readonly IReadOnlyList<IReloadableComponent> _components = [.. components];
    private readonly ILogger _logger = loggerFactory.CreateLogger("Tern.Broker.Reload");
    private readonly Lock _gate = new();

    /// <summary>Reloads every part, all or nothing.</summary>
    public BrokerReloadResult Reload()
    {
        lock (_gate)
        {
            var problems = new List<string>();
            var commits = new List<(string Name, Action Commit)>();
            foreach (var component in _components)
            {
                ReloadPreparation preparation;
                try
                {
                    preparation = component.Prepare();
                }
                catch (Exception ex)
                {
                    // A part that throws while reading its files is a failed reload, not a dead broker.
                    preparation = ReloadPreparation.Failed($"{component.Name}: {ex.Message}");
                }

                problems.AddRange(preparation.Problems);
                if (preparation.Problems.Count == 0 && preparation.Commit is { } commit)
                {
                    commits.Add((component.Name, commit));
                }
            }

            if (problems.Count > 0)
            {
                Diagnostics.BrokerLog.ReloadRejected(_logger, string.Join(" ", problems));
                return new BrokerReloadResult(false, [], problems);
            }

            foreach (var (_, commit) in commits)
            {
                commit();
            }

            var reloaded = commits.Select(c => c.Name).ToList();
            Diagnostics.BrokerLog.Reloaded(_logger, reloaded.Count == 0 ? "nothing to reload" : string.Join(", ", reloaded));
            return new BrokerReloadResult(true, reloaded, []);
        }
    }
}
