using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

// Micro-benchmarks of the policy hot path (docs/BENCHMARKS.md): guardrail evaluation and template rendering.
// In-process toolchain: no generated project to build, one process on the machine's shared cores.
IConfig config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance).WithWarmupCount(5).WithIterationCount(20))
    .WithOptions(ConfigOptions.DisableOptimizationsValidator);
BenchmarkSwitcher.FromAssembly(typeof(Nemo.MicroBench.PolicyBenchmarks).Assembly).Run(args, config);
