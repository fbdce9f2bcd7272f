using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Diagnostics;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.RequestLog;

/// <summary>
/// Writes the request-log entries of requests that ended without a usage event (refusals, upstream
/// failures, invalid bodies) to <c>nemo.request_failures</c>, after their response, in batches: the
/// request path only queues (no database round trip, no wait). Best effort by design — a log, not a
/// ledger: when the queue is full (<see cref="Capacity"/>, e.g. a flood of refusals while PostgreSQL is
/// slow) or a batch can't be written, entries are dropped and counted in <c>nemo.request_log.dropped</c>.
/// A hand-written loop rather than a library: it is the ledger's group-commit pattern without its
/// guarantees, a dozen lines on Channel.
/// </summary>
internal sealed partial class RequestLogWriter : BackgroundService
{
    public const int Capacity = 10_000;
    private const int MaxBatch = 500;

    private readonly Channel<RequestFailure> _queue = Channel.CreateBounded<RequestFailure>(
        new BoundedChannelOptions(Capacity) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });
    private readonly NemoDatabase _database;
    private readonly ILogger<RequestLogWriter> _logger;
    private readonly Counter<long> _dropped;

    public RequestLogWriter(NemoDatabase database, IMeterFactory meters, ILogger<RequestLogWriter> logger)
    {
        _database = database;
        _logger = logger;
        Meter meter = meters.Create(NemoInstrumentation.MeterName);
        _dropped = meter.CreateCounter<long>("nemo.request_log.dropped", "{entry}", "Request-log entries of failed requests dropped (queue full or write failed).");
        meter.CreateObservableGauge("nemo.request_log.backlog", () => _queue.Reader.Count, "{entry}", "Request-log entries of failed requests waiting to be written.");
    }

    public void Record(RequestFailure failure)
    {
        if (!_queue.Writer.TryWrite(failure))
            _dropped.Add(1);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<RequestFailure>(MaxBatch);
        try
        {
            while (await _queue.Reader.WaitToReadAsync(stoppingToken))
                await DrainAsync(batch, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await DrainAsync(batch, CancellationToken.None); // what was queued before shutdown
    }

    /// <summary>Writes everything queued now; used by the loop and by tests that need the log current.</summary>
    internal async Task DrainAsync(List<RequestFailure> batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Clear();
            while (batch.Count < MaxBatch && _queue.Reader.TryRead(out RequestFailure? failure))
                batch.Add(failure);
            if (batch.Count == 0)
                return;
            try
            {
                await WriteAsync(batch, cancellationToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                _dropped.Add(batch.Count);
                LogWriteFailed(ex, batch.Count);
            }
        }
    }

    private async Task WriteAsync(List<RequestFailure> batch, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.request_failures (request_id, organization_id, team_id, key_id, user_id, customer_id, model, deployment,
                                               endpoint, status_code, latency_ms, occurred_at, error_code, guardrail_hits, experiment_id, experiment_variant)
            SELECT id, org, team, key, usr, customer, model, deployment, endpoint, status, latency, occurred, error_code,
                   string_to_array(hits, ',')::uuid[], experiment, variant
            FROM unnest(@id, @org, @team, @key, @user, @customer, @model, @deployment, @endpoint, @status, @latency, @occurred,
                        @error_code, @hits, @experiment, @variant)
                AS u(id, org, team, key, usr, customer, model, deployment, endpoint, status, latency, occurred, error_code, hits, experiment, variant)
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
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(EventId = 7601, Level = LogLevel.Warning, Message = "Writing {Count} request-log entries of failed requests failed; they are dropped")]
    private partial void LogWriteFailed(Exception exception, int count);
}
