using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Nemo.Grains.Spend;
using Nemo.Grains.Storage;
using Nemo.Persistence.Database;
using Npgsql;

namespace Nemo.Persistence.Ledger;

/// <summary>
/// The usage ledger with group commit: settles queue here, and a few writer loops each take whatever
/// is waiting (up to MaxBatch) and make it durable in ONE statement — insert the events, bump the
/// per-day spend totals of every scope they touch, and check the organizations' activation epochs — so
/// one commit (one fsync) carries many settles. Under load, batches grow instead of queues.
///
/// Guarantees (see <see cref="IUsageLedger"/>): an append completes only after its commit; one event
/// per request id (unique index + ON CONFLICT DO NOTHING, and duplicates inside one batch are caught
/// before the statement); events of an organization whose activation epoch moved on are refused (the
/// activation rows are read FOR SHARE, so a new activation waits for this commit or makes it refuse);
/// an event the database rejects (bad data) fails alone: the batch is retried one event at a time.
/// </summary>
internal sealed partial class GroupCommitLedger : IUsageLedger, IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = false });
    private readonly NemoDatabase _database;
    private readonly LedgerOptions _options;
    private readonly ILogger<GroupCommitLedger> _logger;
    private readonly TimeProvider _time;
    private readonly LedgerMetrics _metrics;
    private readonly LedgerHealth _health;
    private readonly Task[] _writers;

    public GroupCommitLedger(NemoDatabase database, LedgerOptions options, ILogger<GroupCommitLedger> logger, TimeProvider time, IMeterFactory meters,
        LedgerHealth health)
    {
        _database = database;
        _options = options;
        _logger = logger;
        _time = time;
        _health = health;
        _metrics = new LedgerMetrics(meters, () => _queue.Reader.Count);
        health.Track(() => _queue.Reader.TryPeek(out Pending? oldest) ? oldest.QueuedTimestamp : null);
        _writers = Enumerable.Range(0, Math.Max(1, options.Writers)).Select(_ => Task.Run(WriteLoopAsync)).ToArray();
    }

    public Task<AppendOutcome> AppendAsync(SettleRequest usage, DateTimeOffset occurredAt, long epoch, CancellationToken cancellationToken)
    {
        var pending = new Pending(usage, occurredAt, epoch, _time.GetTimestamp());
        if (!_queue.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(GroupCommitLedger), "The usage ledger is shutting down.");
        // Not cancellable: once queued, the write happens; the caller learns its outcome.
        return pending.Done.Task;
    }

    public async Task RecordUnsettledAsync(Guid organizationId, IReadOnlyList<ExpiredReservation> expired, CancellationToken cancellationToken)
    {
        if (expired.Count == 0)
            return;
        await using NpgsqlCommand command = _database.DataSource.CreateCommand(
            """
            INSERT INTO nemo.unsettled_reservations (request_id, organization_id, reserved_cost, expired_at)
            SELECT r, @org, c, e FROM unnest(@ids, @costs, @expired) AS x(r, c, e)
            ON CONFLICT (request_id) DO NOTHING
            """);
        command.Parameters.AddWithValue("org", organizationId);
        command.Parameters.AddWithValue("ids", expired.Select(e => e.RequestId).ToArray());
        command.Parameters.AddWithValue("costs", expired.Select(e => e.Cost).ToArray());
        command.Parameters.AddWithValue("expired", expired.Select(e => e.ExpiresAt).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<Pending>(_options.MaxBatch);
        ChannelReader<Pending> reader = _queue.Reader;
        // Each writer keeps one connection with the statement prepared on it: no pool reset
        // (DISCARD ALL) and no parse/plan per batch. Replaced after any failure.
        AppendStatement? statement = null;
        try
        {
            while (await reader.WaitToReadAsync())
            {
                batch.Clear();
                while (batch.Count < _options.MaxBatch && reader.TryRead(out Pending? pending))
                    batch.Add(pending);
                if (batch.Count == 0)
                    continue;
                long started = _time.GetTimestamp();
                try
                {
                    statement ??= await AppendStatement.OpenAsync(_database);
                    await WriteBatchAsync(statement, batch);
                    _metrics.Committed(batch.Count, _time.GetElapsedTime(started));
                    _health.Succeeded();
                }
                catch (PostgresException ex) when (batch.Count > 1 && IsDataError(ex))
                {
                    // One event's data was refused (e.g. text PostgreSQL can't store): the statement
                    // rolled back whole, so write each event alone and fail only the bad one.
                    LogBatchSplit(ex, batch.Count);
                    await WriteOneByOneAsync(statement!, batch);
                }
                catch (Exception ex)
                {
                    LogBatchFailed(ex, batch.Count);
                    _metrics.Failed();
                    _health.Failed(ex);
                    foreach (Pending pending in batch)
                        pending.Done.TrySetException(ex);
                    if (statement is not null)
                        await statement.DisposeAsync();
                    statement = null;
                }
            }
        }
        finally
        {
            if (statement is not null)
                await statement.DisposeAsync();
        }
    }

    /// <summary>Data exceptions (class 22) and integrity violations (class 23): the event, not the database, is at fault.</summary>
    private static bool IsDataError(PostgresException ex) => ex.SqlState.StartsWith("22", StringComparison.Ordinal) || ex.SqlState.StartsWith("23", StringComparison.Ordinal);

    private async Task WriteOneByOneAsync(AppendStatement statement, List<Pending> batch)
    {
        foreach (Pending pending in batch)
        {
            try
            {
                await WriteBatchAsync(statement, [pending]);
            }
            catch (PostgresException ex) when (IsDataError(ex))
            {
                LogEventRefused(ex, pending.Usage.RequestId);
                pending.Done.TrySetException(ex);
            }
        }
    }

    private static async Task WriteBatchAsync(AppendStatement statement, List<Pending> batch)
    {
        // A request id twice in one batch (a retried settle racing its first attempt): only the first
        // goes to the database; the others are answered from its outcome.
        var first = new Dictionary<Guid, Pending>(batch.Count);
        var repeats = new List<Pending>();
        foreach (Pending pending in batch)
        {
            if (!first.TryAdd(pending.Usage.RequestId, pending))
                repeats.Add(pending);
        }
        Pending[] unique = [.. first.Values];
        Dictionary<Guid, AppendOutcome> outcomes = await statement.ExecuteAsync(unique);
        foreach (Pending pending in unique)
            pending.Done.TrySetResult(outcomes.GetValueOrDefault(pending.Usage.RequestId, AppendOutcome.Fenced));
        foreach (Pending repeat in repeats)
        {
            AppendOutcome original = outcomes.GetValueOrDefault(repeat.Usage.RequestId, AppendOutcome.Fenced);
            bool sameEpoch = first[repeat.Usage.RequestId].Epoch == repeat.Epoch;
            repeat.Done.TrySetResult(original == AppendOutcome.Fenced || !sameEpoch ? AppendOutcome.Fenced : AppendOutcome.Duplicate);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_writers);
    }

    internal sealed record Pending(SettleRequest Usage, DateTimeOffset OccurredAt, long Epoch, long QueuedTimestamp)
    {
        public TaskCompletionSource<AppendOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "A batch of {Count} usage events was refused for its data; writing them one by one")]
    private partial void LogBatchSplit(Exception exception, int count);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "The usage event of request {RequestId} was refused by the database for its data")]
    private partial void LogEventRefused(Exception exception, Guid requestId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Error, Message = "Writing a batch of {Count} usage events failed; the settles will be retried by their callers")]
    private partial void LogBatchFailed(Exception exception, int count);
}
