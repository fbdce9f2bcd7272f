namespace Nemo.Bench.Stats;

/// <summary>Direct vs Nemo at one rate; overhead = Nemo − direct at each percentile, in milliseconds.</summary>
internal sealed record RateComparison(int Rate, RunSummary Direct, RunSummary Nemo)
{
    /// <summary>Overhead is only meaningful when both sides had successful requests.</summary>
    public bool HasOverhead => Direct.HasLatency && Nemo.HasLatency;

    public double OverheadP50Ms => Nemo.P50Ms - Direct.P50Ms;

    public double OverheadP90Ms => Nemo.P90Ms - Direct.P90Ms;

    public double OverheadP99Ms => Nemo.P99Ms - Direct.P99Ms;
}
