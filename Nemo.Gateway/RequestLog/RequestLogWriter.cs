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
                                               endpoint, status_code, latency_ms, occurred_at, error_code, guardrail_hits, experiment_id, experiment_variant,
                                               attempts)
            SELECT id, org, team, key, usr, customer, model, deployment, endpoint, status, latency, occurred, error_code,
                   string_to_array(hits, ',')::uuid[], experiment, variant, attempts
            FROM unnest(@id, @org, @team, @key, @user, @customer, @model, @deployment, @endpoint, @status, @latency, @occurred,
                        @error_code, @hits, @experiment, @variant, @attempts)
                AS u(id, org, team, key, usr, customer, model, deployment, endpoint, status, latency, occurred, error_code, hits, experiment, variant,
                     attempts)
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
        command.Parameters.Add(new NpgsqlParameter<string?[]>("error_code", batch.Select(f => f.ErrorCode).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("hits", batch.Select(f => f.GuardrailHits is { Length: > 0 } h ? string.Join(',', h) : null).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<Guid?[]>("experiment", batch.Select(f => f.ExperimentId).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<string?[]>("variant", batch.Select(f => f.ExperimentVariant).ToArray()));
        command.Parameters.Add(new NpgsqlParameter<int?[]>("attempts", batch.Select(f => f.Attempts).ToArray()));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
