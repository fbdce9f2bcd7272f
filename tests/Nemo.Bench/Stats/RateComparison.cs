namespace Nemo.Bench.Stats;

/// <summary>
/// Direct vs Nemo at one rate; overhead = Nemo − direct at each percentile, in milliseconds. With a floor (a bare
/// reverse proxy, nginx, in front of the same upstream), its overhead is the least any proxy hop costs here, and
/// Nemo's is compared with it. With a faulty share, <paramref name="NemoBesideFaults"/> is the healthy tenant's run
/// while another tenant sent faulty requests. <paramref name="NemoCost"/> is the gateway's CPU and allocation per request.
/// </summary>
internal sealed record RateComparison(int Rate, RunSummary Direct, RunSummary Nemo, RunSummary? NemoBesideFaults = null, RunSummary? Faulty = null,
    RunSummary? Floor = null, ProcessCost? NemoCost = null)
{
    public bool HasFloor => Floor is { HasLatency: true } && Direct.HasLatency;

    public double FloorP50Ms => Floor!.P50Ms - Direct.P50Ms;

    public double FloorP90Ms => Floor!.P90Ms - Direct.P90Ms;

    public double FloorP99Ms => Floor!.P99Ms - Direct.P99Ms;

    /// <summary>The healthy tenant's p99 beside the faulty traffic over its p99 without it (goal: at most 1.2).</summary>
    public double? FaultyP99Ratio => NemoBesideFaults is { HasLatency: true } beside && Nemo.HasLatency && Nemo.P99Ms > 0 ? beside.P99Ms / Nemo.P99Ms : null;

    /// <summary>Overhead is only meaningful when both sides had successful requests.</summary>
    public bool HasOverhead => Direct.HasLatency && Nemo.HasLatency;

    public double OverheadP50Ms => Nemo.P50Ms - Direct.P50Ms;

    public double OverheadP90Ms => Nemo.P90Ms - Direct.P90Ms;

    public double OverheadP99Ms => Nemo.P99Ms - Direct.P99Ms;
}
