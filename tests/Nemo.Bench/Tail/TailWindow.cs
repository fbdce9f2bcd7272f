namespace Nemo.Bench.Tail;

/// <summary>One window of the tail run: its own latency percentiles (successful requests) and failures.</summary>
internal sealed record TailWindow(double EndSeconds, long Succeeded, long Errors, double P50Ms, double P99Ms, double P999Ms);
