namespace Nemo.Persistence.Ledger;

/// <summary>
/// Whether the usage ledger is writing, for readiness: unhealthy while its latest batch failed (within
/// <see cref="FailureMemory"/>), or while a queued settle has waited longer than <see cref="StallAfter"/>
/// for a writer. An idle ledger is healthy; PostgreSQL's own readiness check covers an idle node.
/// </summary>
public sealed class LedgerHealth(TimeProvider time)
{
    /// <summary>How long a failed batch keeps the ledger unhealthy when no later batch succeeds (an idle ledger forgets).</summary>
    public static readonly TimeSpan FailureMemory = TimeSpan.FromSeconds(10);

    /// <summary>A settle queued this long without being taken means the writers are stuck.</summary>
    public static readonly TimeSpan StallAfter = TimeSpan.FromSeconds(5);

    private long _lastFailureTimestamp;
    private volatile bool _lastBatchFailed;
    private volatile string? _lastError;
    private Func<long?>? _oldestQueuedTimestamp;

    internal void Track(Func<long?> oldestQueuedTimestamp) => _oldestQueuedTimestamp = oldestQueuedTimestamp;

    internal void Succeeded() => _lastBatchFailed = false;

    internal void Failed(Exception exception)
    {
        Interlocked.Exchange(ref _lastFailureTimestamp, time.GetTimestamp());
        _lastError = exception.GetType().Name + ": " + exception.Message;
        _lastBatchFailed = true;
    }

    /// <summary>Null when healthy, else why not.</summary>
    public string? Problem()
    {
        if (_lastBatchFailed && time.GetElapsedTime(Interlocked.Read(ref _lastFailureTimestamp)) < FailureMemory)
            return "the last usage-ledger commit failed (" + _lastError + ")";
        if (_oldestQueuedTimestamp?.Invoke() is long queued && time.GetElapsedTime(queued) > StallAfter)
            return $"usage events have waited more than {StallAfter.TotalSeconds:0} s for a ledger writer";
        return null;
    }
}
