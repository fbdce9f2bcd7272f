namespace Nemo.Bench.Soak;

/// <summary>One window of a soak run: its latency at the end, and the gateway's memory sampled right after it.</summary>
internal sealed record SoakWindow(double EndMinutes, long Succeeded, long Errors, double P50Ms, double P99Ms, double? RssMb, double? HeapMb);
