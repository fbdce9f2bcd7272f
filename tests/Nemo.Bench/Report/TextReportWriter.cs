using System.Globalization;
using System.Text;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Report;

/// <summary>The plain-text side-by-side table printed to stdout.</summary>
internal static class TextReportWriter
{
    private static readonly int[] Widths = [8, 13, 12, 9, 9, 9, 9, 8, 10];

    public static string Render(BenchReport report)
    {
        var m = report.Machine;
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Nemo bench, {Fmt.Date(m.Date)}{(report.Completed ? string.Empty : " (cancelled: partial results)")}");
        text.AppendLine(CultureInfo.InvariantCulture, $"machine: {m.Cores} cores ({m.Cpu}), {m.Os} {m.Architecture}, {m.Runtime}, {m.Gc} GC");
        text.AppendLine(CultureInfo.InvariantCulture, $"command: {report.CommandLine}");
        text.AppendLine(CultureInfo.InvariantCulture, $"setup:   {Fmt.Setup(report)}");
        text.AppendLine(CultureInfo.InvariantCulture, $"direct:  {report.Options.DirectUrl}   nemo: {report.Options.NemoUrl}");
        text.AppendLine();

        Row(text, "rate/s", "target", "achieved/s", "p50 ms", "p90 ms", "p99 ms", "max ms", "errors", "lag99 ms");
        foreach (var result in report.Results)
        {
            RunRow(text, result.Direct);
            if (result.Floor is { } floor)
            {
                RunRow(text, floor);
            }

            RunRow(text, result.Nemo);
            if (result.Floor is not null)
            {
                Row(text, string.Empty, "floor", string.Empty,
                    Fmt.SignedMs(result.FloorP50Ms, result.HasFloor), Fmt.SignedMs(result.FloorP90Ms, result.HasFloor), Fmt.SignedMs(result.FloorP99Ms, result.HasFloor),
                    string.Empty, string.Empty, string.Empty);
            }

            Row(text, string.Empty, "overhead", string.Empty,
                Fmt.SignedMs(result.OverheadP50Ms, result.HasOverhead), Fmt.SignedMs(result.OverheadP90Ms, result.HasOverhead), Fmt.SignedMs(result.OverheadP99Ms, result.HasOverhead),
                string.Empty, string.Empty, string.Empty);
            if (result.NemoCost is { } cost)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"        gateway process: {Fmt.Cost(cost)}");
            }
            if (result.NemoBesideFaults is { } beside)
            {
                RunRow(text, beside);
                text.AppendLine(CultureInfo.InvariantCulture,
                    $"        healthy p99 beside {result.Faulty!.Rate}/s faulty requests: x{result.FaultyP99Ratio?.ToString("0.00", CultureInfo.InvariantCulture) ?? "-"} of without (goal: at most x1.20); faulty answers: {Fmt.Errors(result.Faulty.Errors)}, {result.Faulty.Succeeded} ok");
            }
        }

        AppendErrors(text, report.Results);
        text.AppendLine();
        text.AppendLine("latency: successful requests only; overhead = nemo - direct; floor = nginx - direct (a bare proxy hop); lag99 = p99 of how late the generator started a request.");
        return text.ToString();
    }

    private static void RunRow(StringBuilder text, RunSummary run) =>
        Row(text, run.Rate.ToString(CultureInfo.InvariantCulture), run.Target, Fmt.Rate(run.AchievedRate),
            Fmt.Ms(run.P50Ms, run.HasLatency), Fmt.Ms(run.P90Ms, run.HasLatency), Fmt.Ms(run.P99Ms, run.HasLatency), Fmt.Ms(run.MaxMs, run.HasLatency),
            run.ErrorTotal.ToString(CultureInfo.InvariantCulture), Fmt.Ms(run.SendLagP99Ms));

    private static void Row(StringBuilder text, params string[] cells)
    {
        var line = new StringBuilder();
        for (int i = 0; i < cells.Length; i++)
        {
            line.Append(cells[i].PadRight(Widths[i]));
        }

        text.AppendLine(line.ToString().TrimEnd());
    }

    private static void AppendErrors(StringBuilder text, IReadOnlyList<RateComparison> results)
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
                    text.AppendLine().AppendLine("errors:");
                    header = true;
                }

                text.AppendLine(CultureInfo.InvariantCulture, $"  {run.Rate}/s {run.Target}: {Fmt.Errors(run.Errors)}");
                if (run.ErrorSample is not null)
                {
                    text.AppendLine(CultureInfo.InvariantCulture, $"    first: {run.ErrorSample}");
                }
            }
        }
    }
}
