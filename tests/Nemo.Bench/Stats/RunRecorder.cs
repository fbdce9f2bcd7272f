using System.Diagnostics;

namespace Nemo.Bench.Stats;

/// <summary>Collects the recorded (post-warmup) outcomes of one run; safe to call from many requests at once.</summary>
internal sealed class RunRecorder
{
    private static readonly double NanosecondsPerTick = 1_000_000_000.0 / Stopwatch.Frequency;

    private long _lastCompletion;
    private long _sent;

    public LatencyHistogram Latency { get; } = new();

    /// <summary>How late the generator actually started each request relative to its schedule.</summary>
    public LatencyHistogram SendLag { get; } = new();

    public ErrorCounts Errors { get; } = new();

    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Stopwatch timestamp of the last recorded completion (success or error); 0 if none.</summary>
    public long LastCompletion => Volatile.Read(ref _lastCompletion);

    public static long TicksToNanoseconds(long ticks) => (long)(ticks * NanosecondsPerTick);

    public void RecordStart(long scheduled, long started)
    {
        Interlocked.Increment(ref _sent);
        SendLag.Record(TicksToNanoseconds(started - scheduled));
    }

    public void RecordSuccess(long scheduled, long completed)
    {
        Latency.Record(TicksToNanoseconds(completed - scheduled));
        NoteCompletion(completed);
    }

    public void RecordError(string kind, long completed, string? sample = null)
    {
        Errors.Add(kind, sample);
        NoteCompletion(completed);
    }

    public void RecordDropped() => Errors.Add(ErrorCounts.Dropped);

    private void NoteCompletion(long timestamp)
    {
        long last = Volatile.Read(ref _lastCompletion);
        while (timestamp > last)
        {
            long seen = Interlocked.CompareExchange(ref _lastCompletion, timestamp, last);
            if (seen == last)
            {
                break;
            }

            last = seen;
        }
    }
}
