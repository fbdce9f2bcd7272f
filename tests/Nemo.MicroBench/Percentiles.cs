using System.Diagnostics;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace Nemo.MicroBench;

/// <summary>
/// Per-call p50 and p99 of every [Benchmark] of a class (BenchmarkDotNet reports per-iteration statistics, whose p99
/// over 20 iterations says little about single calls): warm-up calls, then each call timed alone with the
/// high-resolution timestamp. <c>Nemo.MicroBench percentiles RequestPathBenchmarks [calls]</c>.
/// </summary>
internal static class Percentiles
{
    public static void Run(string className, int calls)
    {
        Type type = typeof(Percentiles).Assembly.GetTypes().Single(t => t.Name == className);
        object instance = Activator.CreateInstance(type)!;
        foreach (MethodInfo setup in type.GetMethods().Where(m => m.GetCustomAttribute<GlobalSetupAttribute>() is not null))
            setup.Invoke(instance, null);
        Console.WriteLine($"{"benchmark",-66} {"p50 µs",9} {"p99 µs",9}");
        foreach (MethodInfo method in type.GetMethods().Where(m => m.GetCustomAttribute<BenchmarkAttribute>() is not null))
        {
            var call = (Func<object?>)(() => method.Invoke(instance, null));
            for (int i = 0; i < Math.Max(1000, calls / 10); i++)
                call();
            var ticks = new long[calls];
            for (int i = 0; i < calls; i++)
            {
                long start = Stopwatch.GetTimestamp();
                call();
                ticks[i] = Stopwatch.GetTimestamp() - start;
            }
            Array.Sort(ticks);
            double Micros(double q) => ticks[(int)Math.Min(calls - 1, q * calls)] * 1_000_000.0 / Stopwatch.Frequency;
            string name = method.GetCustomAttribute<BenchmarkAttribute>()!.Description ?? method.Name;
            Console.WriteLine($"{name,-66} {Micros(0.50),9:F2} {Micros(0.99),9:F2}");
        }
    }
}
