namespace Nemo.Bench.Stats;

/// <summary>The result of one recorded run (one target at one rate). Latencies are of successful requests only.</summary>
internal sealed record RunSummary(
    string Target,
    int Rate,
    long Scheduled,
    long Sent,
    long Succeeded,
    double ElapsedSeconds,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double MeanMs,
    double SendLagP99Ms,
    long ErrorTotal,
    IReadOnlyList<KeyValuePair<string, long>> Errors,
    string? ErrorSample,
    double P999Ms = 0)
{
    /// <summary>Successful completions per second of the recorded window (until the last recorded completion).</summary>
    public double AchievedRate => ElapsedSeconds <= 0 ? 0 : Succeeded / ElapsedSeconds;

    /// <summary>False when nothing succeeded: the percentiles are then meaningless and reported as "-".</summary>
    public bool HasLatency => Succeeded > 0;

    public static RunSummary From(string target, int rate, long scheduled, double elapsedSeconds, RunRecorder recorder)
    {
        var latency = recorder.Latency;
        return new RunSummary(
            target,
            rate,
            scheduled,
            recorder.Sent,
            latency.Count,
            elapsedSeconds,
            ToMs(latency.ValueAtPercentile(50)),
            ToMs(latency.ValueAtPercentile(90)),
            ToMs(latency.ValueAtPercentile(99)),
            ToMs(latency.MaxNanoseconds),
            latency.MeanNanoseconds / 1_000_000.0,
            ToMs(recorder.SendLag.ValueAtPercentile(99)),
            recorder.Errors.Total,
            recorder.Errors.Snapshot(),
            recorder.Errors.Sample,
            ToMs(latency.ValueAtPercentile(99.9)));
    }

    private static double ToMs(long nanoseconds) => nanoseconds / 1_000_000.0;
}
