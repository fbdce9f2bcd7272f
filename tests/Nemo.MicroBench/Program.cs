using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks of the request hot path (docs/BENCHMARKS.md): guardrail evaluation and template rendering, the
// exact prompt bound, routing and the dialect translations. In-process toolchain: no generated project to build, one
// process on the machine's shared cores. `percentiles <class> [calls]` times single calls for their p50/p99 instead.
if (args is ["percentiles", string className, ..])
{
    Nemo.MicroBench.Percentiles.Run(className, args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 20_000);
    return;
}
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Nemo.MicroBench.PolicyBenchmarks).Assembly).Run(args, config);
