using Nemo.Bench.Cli;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Report;

/// <summary>Everything a report writer needs: the setup, the machine and the per-rate comparisons.</summary>
internal sealed record BenchReport(
    MachineInfo Machine,
    string CommandLine,
    BenchOptions Options,
    int MixSize,
    int MixSeed,
    int MixStreams,
    IReadOnlyList<RateComparison> Results,
    bool Completed);
