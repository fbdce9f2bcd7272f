using System.Diagnostics.Metrics;
using Nemo.Grains.Diagnostics;

namespace Nemo.Persistence.Ledger;

/// <summary>
/// The usage ledger's instruments on the <c>Nemo</c> meter: batch size and commit latency of the group
/// commit, failed batches, and the backlog of settles waiting for a writer. One instance per silo
/// (singleton), no tags: recording is a few interlocked operations per batch, none per settle.
/// </summary>
internal sealed class LedgerMetrics
{
    private static readonly double[] SecondsBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private static readonly int[] BatchBuckets = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 10000];

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitDuration;
    private readonly Counter<long> _failedBatches;

    public LedgerMetrics(IMeterFactory meters, Func<int> backlog)
    {
        Meter meter = meters.Create(NemoInstrumentation.MeterName);
        _batchSize = meter.CreateHistogram("nemo.ledger.batch.size", "{event}", "Usage events written by one group commit.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _commitDuration = meter.CreateHistogram("nemo.ledger.commit.duration", "s", "Time one group commit took, statement and commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = SecondsBuckets });
        _failedBatches = meter.CreateCounter<long>("nemo.ledger.batch.failures", "{batch}", "Group commits that failed (their settles are retried by their callers).");
        meter.CreateObservableGauge("nemo.ledger.backlog", backlog, "{event}", "Usage events queued for the ledger and not yet taken by a writer.");
    }

    public void Committed(int events, TimeSpan took)
    {
        _batchSize.Record(events);
        _commitDuration.Record(took.TotalSeconds);
    }

    public void Failed() => _failedBatches.Add(1);
}
