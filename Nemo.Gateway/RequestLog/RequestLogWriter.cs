using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.RequestLog;

/// <summary>
/// Writes the request-log entries of requests that ended without a usage event (refusals, upstream
/// failures, invalid bodies) to <c>nemo.request_failures</c>, after their response, in batches of up to
/// 500; best effort (<see cref="BatchedLogWriter{T}"/>), dropped entries counted in <c>nemo.request_log.dropped</c>.
/// </summary>
internal sealed class RequestLogWriter(NemoDatabase database, IMeterFactory meters, ILogger<RequestLogWriter> logger)
    : BatchedLogWriter<RequestFailure>(Capacity, 500, "nemo.request_log", "Request-log entries of failed requests", meters, logger)
{
    public const int Capacity = 10_000;

    protected override async Task WriteAsync(List<RequestFailure> batch, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.request_failures (request_id, organization_id, team_id, key_id, user_id, customer_id, model, deployment,
                                               endpoint, status_code, latency_ms, occurred_at)
            SELECT * FROM unnest(@id, @org, @team, @key, @user, @customer, @model, @deployment, @endpoint, @status, @latency, @occurred)
            ON CONFLICT (request_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("id", batch.Select(f => f.RequestId).ToArray());
        command.Parameters.AddWithValue("org", batch.Select(f => f.OrganizationId).ToArray());
        command.Parameters.AddWithValue("team", batch.Select(f => f.TeamId).ToArray());
        command.Parameters.AddWithValue("key", batch.Select(f => f.KeyId).ToArray());
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("user", batch.Select(f => f.UserId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("customer", batch.Select(f => f.CustomerId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("model", batch.Select(f => f.Model).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("deployment", batch.Select(f => f.Deployment).ToArray()));
        command.Parameters.AddWithValue("endpoint", batch.Select(f => f.Endpoint).ToArray());
        command.Parameters.AddWithValue("status", batch.Select(f => f.StatusCode).ToArray());
        command.Parameters.AddWithValue("latency", batch.Select(f => f.LatencyMs).ToArray());
        command.Parameters.AddWithValue("occurred", batch.Select(f => f.OccurredAt).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
