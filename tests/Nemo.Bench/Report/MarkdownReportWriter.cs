using System.Globalization;
using System.Text;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Report;

/// <summary>The same results as a Markdown section, ready to paste into docs/BENCHMARKS.md.</summary>
internal static class MarkdownReportWriter
{
    public static string Render(BenchReport report)
    {
        var m = report.Machine;
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"## Nemo bench, {Fmt.Date(m.Date)}{(report.Completed ? string.Empty : " (cancelled: partial results)")}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"- Machine: {m.Cores} cores ({m.Cpu}), {m.Os} {m.Architecture}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Runtime: {m.Runtime}, {m.Gc} GC");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Setup: {Fmt.Setup(report)}");
        md.AppendLine(CultureInfo.InvariantCulture, $"- Direct: `{report.Options.DirectUrl}`, Nemo: `{report.Options.NemoUrl}`");
        md.AppendLine();
        md.AppendLine("```");
        md.AppendLine(report.CommandLine);
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("| Rate/s | Target | Achieved/s | p50 ms | p90 ms | p99 ms | max ms | Errors | lag p99 ms |");
        md.AppendLine("|-------:|:-------|-----------:|-------:|-------:|-------:|-------:|-------:|-----------:|");
        foreach (var result in report.Results)
        {
            RunRow(md, result.Direct);
            if (result.Floor is { } floor)
            {
                RunRow(md, floor);
            }

            RunRow(md, result.Nemo);
            if (result.Floor is not null)
            {
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| | floor (nginx − direct) | | {Fmt.SignedMs(result.FloorP50Ms, result.HasFloor)} | {Fmt.SignedMs(result.FloorP90Ms, result.HasFloor)} | {Fmt.SignedMs(result.FloorP99Ms, result.HasFloor)} | | | |");
            }

            md.AppendLine(CultureInfo.InvariantCulture,
                $"| | **overhead** | | **{Fmt.SignedMs(result.OverheadP50Ms, result.HasOverhead)}** | **{Fmt.SignedMs(result.OverheadP90Ms, result.HasOverhead)}** | **{Fmt.SignedMs(result.OverheadP99Ms, result.HasOverhead)}** | | | |");
            if (result.NemoCost is { } cost)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"| | gateway process | | {Fmt.Cost(cost)} | | | | | |");
            }
            if (result.NemoBesideFaults is { } beside)
            {
                RunRow(md, beside);
                md.AppendLine(CultureInfo.InvariantCulture,
                    $"| | **p99 beside {result.Faulty!.Rate}/s faulty** | | | | **x{result.FaultyP99Ratio?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"}** | | | |");
            }
        }

        md.AppendLine();
        md.AppendLine("Latency counts successful requests only, from each request's scheduled send time to the end of its body "
            + "(open loop, so a slow server is not hidden by the generator waiting). Overhead = Nemo − direct; floor = a bare nginx proxy − direct. "
            + "lag p99 = how late the generator itself started requests.");

        AppendErrors(md, report.Results);
        return md.ToString();
    }

    private static void RunRow(StringBuilder md, RunSummary run) =>
        md.AppendLine(CultureInfo.InvariantCulture,
            $"| {run.Rate} | {run.Target} | {Fmt.Rate(run.AchievedRate)} | {Fmt.Ms(run.P50Ms, run.HasLatency)} | {Fmt.Ms(run.P90Ms, run.HasLatency)} | {Fmt.Ms(run.P99Ms, run.HasLatency)} | {Fmt.Ms(run.MaxMs, run.HasLatency)} | {run.ErrorTotal} | {Fmt.Ms(run.SendLagP99Ms)} |");

    private static void AppendErrors(StringBuilder md, IReadOnlyList<RateComparison> results)
    {
        bool header = false;
        foreach (var result in results)
        {
            foreach (var run in new[] { result.Direct, result.Floor, result.Nemo, result.NemoBesideFaults }.OfType<RunSummary>())
            {
                if (run.ErrorTotal == 0)
                {
                    continue;
                }

                if (!header)
                {
                    md.AppendLine().AppendLine("Errors:").AppendLine();
                    header = true;
                }

                md.AppendLine(CultureInfo.InvariantCulture, $"- {run.Rate}/s {run.Target}: {Fmt.Errors(run.Errors)}");
            }
        }
    }
}
