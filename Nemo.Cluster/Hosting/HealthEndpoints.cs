using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Nemo.Cluster.Hosting;

/// <summary><c>/healthz</c> (the process is up) and <c>/readyz</c> (it can serve), as ASP.NET Core health checks.</summary>
public static class HealthEndpoints
{
    private const string ReadyTag = "ready";

    public static IServiceCollection AddNemoHealthChecks(this IServiceCollection services, bool silo)
    {
        IHealthChecksBuilder checks = services.AddHealthChecks()
            .AddCheck<ReadinessHealthCheck>("node", tags: [ReadyTag])
            .AddCheck<PostgresHealthCheck>("postgresql", tags: [ReadyTag]);
        if (silo)
            checks.AddCheck<SiloMembershipHealthCheck>("membership", tags: [ReadyTag]);
        return services;
    }

    public static IEndpointRouteBuilder MapNemoHealth(this IEndpointRouteBuilder app)
    {
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResponseWriter = WriteStatusAsync,
        });
        return app;
    }

    private static Task WriteStatusAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "text/plain";
        string text = report.Status == HealthStatus.Healthy
            ? "ready"
            : string.Join("; ", report.Entries.Where(e => e.Value.Status != HealthStatus.Healthy).Select(e => $"{e.Key}: {e.Value.Description}"));
        return context.Response.WriteAsync(text);
    }
}
