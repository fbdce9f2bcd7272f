using Nemo.Bench.Cli;
using Nemo.Bench.Load;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Tail;

/// <summary>
/// Finds the highest rate Nemo sustains: open-loop steps rising by half from the first rate, each a short run of its
/// own, until a step completes less than 95 % of what it offered or fails more than 1 % of it. The saturation rate is
/// the best completion rate any step achieved (at most that of the first failing step).
/// </summary>
internal static class SaturationSearch
{
    private const double StepSeconds = 4;
    private const double StepWarmupSeconds = 1;
    private const double Growth = 1.5;
    private const int MaxSteps = 12;

    public static async Task<double> FindAsync(HttpClient client, BenchTarget target, RequestMix mix, BenchOptions options, CancellationToken cancellationToken)
    {
        double best = 0;
        double rate = options.Rates[0];
        for (int step = 0; step < MaxSteps && rate <= ArgParsers.MaxRate; step++, rate *= Growth)
        {
            RunSummary run = await new FixedRateRun(client, target, mix, (int)rate, StepWarmupSeconds, StepSeconds, options.InFlightCap)
                .RunAsync(cancellationToken).ConfigureAwait(false);
            best = Math.Max(best, run.AchievedRate);
            bool kept = run.AchievedRate >= 0.95 * (int)rate && run.ErrorTotal <= 0.01 * Math.Max(1, run.Sent);
            Console.Error.WriteLine($"bench: saturation search {(int)rate}/s: {run.AchievedRate:F0}/s achieved, {run.ErrorTotal} errors, p99 {run.P99Ms:F2} ms{(kept ? string.Empty : " (saturated)")}");
            if (!kept)
            {
                break;
            }

            GC.Collect();
            await Task.Delay(500, cancellationToken).ConfigureAwait(false);
        }

        return best;
    }
}
