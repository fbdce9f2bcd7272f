using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Retention;

/// <summary>
/// Purges request detail older than each organization's <c>data_retention_days</c>: usage events (which
/// are also the activity feed and the request log), the request log's failed requests and unsettled-reservation records. Spend totals (<c>nemo.usage_daily</c>)
/// are kept: grains load spend from them, so purging detail never changes a balance or a budget. For a
/// deleted organization everything left (detail, totals, notifications) is purged. One gateway sweeps at a
/// time (a PostgreSQL advisory lock); deletes go in batches by the organization/time index.
/// </summary>
internal sealed partial class RetentionService(NemoDatabase database, TimeProvider time, IOptions<RetentionOptions> options,
    ILogger<RetentionService> logger) : BackgroundService
{
    private const long AdvisoryLockKey = 0x4E454D4F_00000402; // "NEMO" + retention
    private static readonly DateTimeOffset EndOfTime = new(9999, 12, 31, 0, 0, 0, TimeSpan.Zero);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        do
        {
            try
            {
                RetentionReport report = await RunOnceAsync(stoppingToken);
                if (report.UsageEvents + report.UnsettledReservations + report.DeletedOrganizationRows > 0)
                    LogPurged(report.UsageEvents, report.UnsettledReservations, report.DeletedOrganizationRows);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    public async Task<RetentionReport> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock(@key)", connection))
        {
            tryLock.Parameters.AddWithValue("key", AdvisoryLockKey);
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                return new RetentionReport(false, 0, 0, 0);
        }
        try
        {
            DateTimeOffset now = time.GetUtcNow();
            var organizations = new List<(Guid Id, bool Deleted, int Days)>();
            await using (var list = new NpgsqlCommand("SELECT id, status = 'deleted', data_retention_days FROM nemo.organizations", connection))
            await using (NpgsqlDataReader reader = await list.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    organizations.Add((reader.GetGuid(0), reader.GetBoolean(1), reader.GetInt32(2)));
            }
            long events = 0, unsettled = 0, deletedRows = 0, failures = 0, contents = 0;
            foreach ((Guid id, bool deleted, int days) in organizations)
            {
                DateTimeOffset cutoff = deleted ? EndOfTime : now.AddDays(-days);
                events += await PurgeAsync(connection,
                    "DELETE FROM nemo.usage_events WHERE seq IN (SELECT seq FROM nemo.usage_events WHERE organization_id = @org AND occurred_at < @cutoff LIMIT @batch)",
                    id, cutoff, cancellationToken);
                failures += await PurgeAsync(connection,
                    "DELETE FROM nemo.request_failures WHERE request_id IN (SELECT request_id FROM nemo.request_failures WHERE organization_id = @org AND occurred_at < @cutoff LIMIT @batch)",
                    id, cutoff, cancellationToken);
                contents += await PurgeAsync(connection,
                    "DELETE FROM nemo.request_contents WHERE request_id IN (SELECT request_id FROM nemo.request_contents WHERE organization_id = @org AND recorded_at < @cutoff LIMIT @batch)",
                    id, cutoff, cancellationToken);
                unsettled += await PurgeAsync(connection,
                    "DELETE FROM nemo.unsettled_reservations WHERE request_id IN (SELECT request_id FROM nemo.unsettled_reservations WHERE organization_id = @org AND recorded_at < @cutoff LIMIT @batch)",
                    id, cutoff, cancellationToken);
                if (deleted)
                {
                    deletedRows += await PurgeAsync(connection,
                        "DELETE FROM nemo.usage_daily WHERE ctid IN (SELECT ctid FROM nemo.usage_daily WHERE organization_id = @org AND day < @cutoff::date LIMIT @batch)",
                        id, cutoff, cancellationToken);
                    deletedRows += await PurgeAsync(connection,
                        "DELETE FROM nemo.notifications WHERE id IN (SELECT id FROM nemo.notifications WHERE organization_id = @org AND created_at < @cutoff LIMIT @batch)",
                        id, cutoff, cancellationToken);
                }
            }
            return new RetentionReport(true, events, unsettled, deletedRows, failures, contents);
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            unlock.Parameters.AddWithValue("key", AdvisoryLockKey);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private async Task<long> PurgeAsync(NpgsqlConnection connection, string sql, Guid organizationId, DateTimeOffset cutoff, CancellationToken cancellationToken)
    {
        long total = 0;
        int batch = options.Value.BatchSize;
        while (true)
        {
            await using var delete = new NpgsqlCommand(sql, connection);
            delete.Parameters.AddWithValue("org", organizationId);
            delete.Parameters.AddWithValue("cutoff", cutoff);
            delete.Parameters.AddWithValue("batch", batch);
            int deleted = await delete.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < batch)
                return total;
        }
    }

    [LoggerMessage(EventId = 7501, Level = LogLevel.Information, Message = "Retention purged {Events} usage events, {Unsettled} unsettled-reservation records and {DeletedOrganizationRows} rows of deleted organizations")]
    private partial void LogPurged(long events, long unsettled, long deletedOrganizationRows);

    [LoggerMessage(EventId = 7502, Level = LogLevel.Warning, Message = "The retention sweep failed; retrying at the next interval")]
    private partial void LogFailed(Exception exception);
}
