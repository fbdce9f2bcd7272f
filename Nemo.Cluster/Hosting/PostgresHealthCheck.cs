using Microsoft.Extensions.Diagnostics.HealthChecks;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Cluster.Hosting;

/// <summary>
/// Readiness needs PostgreSQL: settles, fencing confirmations and membership all go through it, so a
/// node that can't reach it must stop receiving traffic. One <c>SELECT 1</c> per probe, bounded by a
/// 2 s timeout (a probe, never the request path).
/// </summary>
internal sealed class PostgresHealthCheck(NemoDatabase database) : IHealthCheck
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            await using NpgsqlCommand command = database.DataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return HealthCheckResult.Healthy();
        }
        catch (Exception ex) when (ex is NpgsqlException or OperationCanceledException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy($"PostgreSQL unreachable: {ex.Message}");
        }
    }
}
