using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime;

namespace Nemo.Cluster.Hosting;

/// <summary>A silo is ready only while Orleans' membership lists it Active (not joining, stopping or declared dead).</summary>
internal sealed class SiloMembershipHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        SiloStatus status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy()
            : HealthCheckResult.Unhealthy($"this silo is {status} in the cluster's membership"));
    }
}
