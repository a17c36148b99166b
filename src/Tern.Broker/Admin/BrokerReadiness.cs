using Microsoft.Extensions.Diagnostics.HealthChecks;
using Tern.Broker.Hosting;

namespace Tern.Broker.Admin;

/// <summary>
/// <c>/readyz</c>: ready once every listener is bound and until shutdown begins. Other parts that must be up before
/// clients are welcome (a durable store) add their own health check with the tag <see cref="ReadyTag"/>.
/// </summary>
internal sealed class BrokerReadiness(BrokerEngine engine) : IHealthCheck
{
    /// <summary>The tag of the checks <c>/readyz</c> runs.</summary>
    public const string ReadyTag = "ready";

    private int _listening;

    /// <summary>Called once every listener is bound.</summary>
    public void MarkListening() => Volatile.Write(ref _listening, 1);

    /// <inheritdoc/>
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(
            Volatile.Read(ref _listening) == 0 ? HealthCheckResult.Unhealthy("listeners are not bound yet")
            : engine.IsShuttingDown ? HealthCheckResult.Unhealthy("shutting down")
            : engine.Durable is { IsFaulted: true } ? HealthCheckResult.Unhealthy("the durable store cannot write (disk full or read-only?): QoS 1/2 publishes are refused")
            : HealthCheckResult.Healthy(engine.Durable is null ? "listeners bound" : "listeners bound, store open"));
}
