using Microsoft.Extensions.Diagnostics.HealthChecks;
using Nemo.Persistence.Ledger;

namespace Nemo.Cluster.Hosting;

/// <summary>A silo is ready only while its usage ledger writes: every settle it serves waits for that commit.</summary>
internal sealed class LedgerHealthCheck(LedgerHealth ledger) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(ledger.Problem() is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy());
}
