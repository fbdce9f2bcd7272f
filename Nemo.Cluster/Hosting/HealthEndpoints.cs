using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Nemo.ServiceDefaults;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Nemo's readiness checks (ASP.NET Core health checks behind <c>/readyz</c>): the node is migrated,
/// joined and not stopping; PostgreSQL answers; a silo is Active in membership and its usage ledger
/// is writing.
/// </summary>
public static class HealthEndpoints
{
    public static IServiceCollection AddNemoHealthChecks(this IServiceCollection services, bool silo)
    {
        IHealthChecksBuilder checks = services.AddHealthChecks()
            .AddCheck<ReadinessHealthCheck>("node", tags: [ServiceDefaultsExtensions.ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgresql", tags: [ServiceDefaultsExtensions.ReadyTag]);
        if (silo)
        {
            checks.AddCheck<SiloMembershipHealthCheck>("membership", tags: [ServiceDefaultsExtensions.ReadyTag]);
            checks.AddCheck<LedgerHealthCheck>("ledger", tags: [ServiceDefaultsExtensions.ReadyTag]);
        }
        return services;
    }

    /// <summary><c>/healthz</c> and <c>/readyz</c> alone, for a host without the service defaults (e.g. a test silo).</summary>
    public static IEndpointRouteBuilder MapNemoHealth(this IEndpointRouteBuilder app) => app.MapNemoHealthEndpoints();
}
