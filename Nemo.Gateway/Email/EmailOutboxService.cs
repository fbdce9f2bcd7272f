using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Telemetry;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Gateway.Email;

/// <summary>
/// Delivers <c>nemo.email_outbox</c>: claims due emails (a lease on next_attempt_at, with SKIP LOCKED, so
/// many gateways share the work without sending one email twice in the normal case), sends each, and
/// records the outcome — sent (the body is then cleared: it may hold an invitation token), or retried
/// with exponential backoff, or given up after MaxAttempts.
/// </summary>
internal sealed partial class EmailOutboxService(NemoDatabase database, IEmailSender sender, TimeProvider time, IOptions<EmailOptions> options,
    NemoMetrics metrics, ILogger<EmailOutboxService> logger) : BackgroundService
{
    private const string Outbox = "email";

    private const int BatchSize = 20;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval, time);
        do
        {
            try
            {
                while (await RunOnceAsync(stoppingToken) == BatchSize)
                {
                }
                metrics.OutboxBacklog(Outbox, await BacklogAsync(stoppingToken));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    /// <summary>Undelivered, not given up: the outbox's backlog, for the <c>nemo.outbox.backlog</c> gauge (one count per poll).</summary>
    private async Task<long> BacklogAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlCommand count = database.DataSource.CreateCommand("SELECT count(*) FROM nemo.email_outbox WHERE sent_at IS NULL AND failed_at IS NULL");
        return (long)(await count.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Sends what is due now; returns how many emails were claimed.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        EmailOptions o = options.Value;
        DateTimeOffset now = time.GetUtcNow();
        var claimed = new List<OutgoingEmail>();
        await using (NpgsqlCommand claim = database.DataSource.CreateCommand(
            """
            UPDATE nemo.email_outbox e SET attempts = e.attempts + 1, next_attempt_at = @lease
            WHERE e.id IN (SELECT id FROM nemo.email_outbox WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= @now
                           ORDER BY id LIMIT @batch FOR UPDATE SKIP LOCKED)
            RETURNING e.id, e.to_address, e.subject, coalesce(e.body, ''), e.attempts
            """))
        {
            claim.Parameters.AddWithValue("now", now);
            claim.Parameters.AddWithValue("lease", now + o.Timeout + TimeSpan.FromSeconds(30));
            claim.Parameters.AddWithValue("batch", BatchSize);
            await using NpgsqlDataReader reader = await claim.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                claimed.Add(new OutgoingEmail(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4)));
        }
        foreach (OutgoingEmail email in claimed)
        {
            string? failure = null;
            try
            {
                await sender.SendAsync(email, cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                failure = ex.Message;
                LogSendFailed(email.Id, email.Attempt, ex.Message);
            }
            await RecordAsync(email, failure, cancellationToken);
        }
        return claimed.Count;
    }

    private async Task RecordAsync(OutgoingEmail email, string? failure, CancellationToken cancellationToken)
    {
        EmailOptions o = options.Value;
        DateTimeOffset now = time.GetUtcNow();
        bool giveUp = failure is not null && email.Attempt >= o.MaxAttempts;
        await using NpgsqlCommand record = database.DataSource.CreateCommand(
            failure is null
                ? "UPDATE nemo.email_outbox SET sent_at = @now, body = NULL, last_error = NULL WHERE id = @id"
                : giveUp
                    ? "UPDATE nemo.email_outbox SET failed_at = @now, body = NULL, last_error = @error WHERE id = @id"
                    : "UPDATE nemo.email_outbox SET next_attempt_at = @next, last_error = @error WHERE id = @id");
        record.Parameters.AddWithValue("id", email.Id);
        record.Parameters.AddWithValue("now", now);
        record.Parameters.AddWithValue("error", (object?)failure ?? DBNull.Value);
        record.Parameters.AddWithValue("next", now + Backoff(o.RetryBaseDelay, email.Attempt));
        await record.ExecuteNonQueryAsync(cancellationToken);
        if (giveUp)
            LogGaveUp(email.Id, email.Attempt);
    }

    public static TimeSpan Backoff(TimeSpan baseDelay, int attempt) =>
        TimeSpan.FromTicks(Math.Min(TimeSpan.FromHours(1).Ticks, baseDelay.Ticks * (1L << Math.Clamp(attempt - 1, 0, 20))));

    [LoggerMessage(EventId = 7102, Level = LogLevel.Warning, Message = "Sending email {Id} failed (attempt {Attempt}): {Reason}")]
    private partial void LogSendFailed(long id, int attempt, string reason);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "Gave up on email {Id} after {Attempts} attempts (Nemo:Email:MaxAttempts)")]
    private partial void LogGaveUp(long id, int attempts);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "The email outbox could not be processed; retrying at the next poll")]
    private partial void LogFailed(Exception exception);
}
