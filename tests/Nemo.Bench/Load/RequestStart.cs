namespace Nemo.Bench.Load;

/// <summary>What the pacing loop hands to the thread pool to start one request (a struct: no boxing).</summary>
internal readonly record struct RequestStart(FixedRateRun Run, long Sequence, long Scheduled);
