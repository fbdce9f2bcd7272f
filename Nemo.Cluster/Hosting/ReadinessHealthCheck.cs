using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nemo.Cluster.Hosting;

/// <summary>Readiness as an ASP.NET Core health check: migrated, joined the cluster, not stopping.</summary>
internal sealed class ReadinessHealthCheck(NemoReadiness readiness) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(readiness.Ready ? HealthCheckResult.Healthy("ready") : HealthCheckResult.Unhealthy(readiness.Reason));
}
