using System.Globalization;
using System.Text;
using Nemo.Bench.Cli;
using Nemo.Bench.Load;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Tail;

/// <summary>
/// Tail latency at load: measures Nemo's saturation rate (<see cref="SaturationSearch"/>), then holds
/// <see cref="BenchOptions.TailLoadShare"/> of it for <see cref="BenchOptions.TailMinutes"/> in windows, each an open-loop
/// run of its own, and reports p50, p99 and p99.9 per window and over the whole hold.
/// </summary>
internal static class TailSession
{
    public static async Task<int> RunAsync(BenchOptions options, string commandLine, CancellationToken cancellationToken)
    {
        var mix = RequestMix.Create(options.StreamShare);
        var nemo = new BenchTarget("nemo", options.NemoUrl, options.NemoKey);
        using var client = BenchHttpClient.Create(options.Connections);
        var rows = new List<TailWindow>();
        double saturation = 0;
        int rate = 0;
        try
        {
            saturation = await SaturationSearch.FindAsync(client, nemo, mix, options, cancellationToken).ConfigureAwait(false);
            rate = Math.Max(1, (int)(saturation * BenchOptions.TailLoadShare));
            int windows = Math.Max(1, (int)Math.Ceiling(options.TailMinutes * 60 / options.TailWindowSeconds));
            Console.Error.WriteLine($"bench: saturation ≈ {saturation:F0}/s; holding {rate}/s ({BenchOptions.TailLoadShare:P0}) for {options.TailMinutes} min in {windows} windows of {options.TailWindowSeconds} s");
            await new FixedRateRun(client, nemo, mix, rate, options.WarmupSeconds, 0, options.InFlightCap).RunAsync(cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < windows; i++)
            {
                RunSummary run = await new FixedRateRun(client, nemo, mix, rate, 0, options.TailWindowSeconds, options.InFlightCap)
                    .RunAsync(cancellationToken).ConfigureAwait(false);
                var row = new TailWindow((i + 1) * options.TailWindowSeconds, run.Succeeded, run.ErrorTotal, run.P50Ms, run.P99Ms, run.P999Ms);
                rows.Add(row);
                Console.Error.WriteLine(Row(row));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: tail run cancelled; reporting the windows that finished.");
        }

        Console.Out.Write(Render(rows, saturation, rate, options, commandLine));
        if (options.TailPlot is { } plot && rows.Count > 0)
        {
            if (plot.DirectoryName is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            TailPlot.Write(rows, rate, saturation, plot.FullName);
            Console.Error.WriteLine($"bench: wrote {plot.FullName}");
        }

        return cancellationToken.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ran;
    }

    private static string Render(List<TailWindow> rows, double saturation, int rate, BenchOptions options, string commandLine)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture,
            $"Nemo tail latency, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC: saturation ≈ {saturation:F0}/s, held {rate}/s for {options.TailMinutes} min, windows of {options.TailWindowSeconds} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"command: {commandLine}");
        text.AppendLine("second  ok       errors  p50 ms   p99 ms   p99.9 ms");
        foreach (TailWindow row in rows)
        {
            text.AppendLine(Row(row));
        }

        if (rows.Count > 0)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"over the windows: p99 median {Median(rows.Select(r => r.P99Ms)):F2} ms, worst {rows.Max(r => r.P99Ms):F2} ms; p99.9 median {Median(rows.Select(r => r.P999Ms)):F2} ms, worst {rows.Max(r => r.P999Ms):F2} ms; errors {rows.Sum(r => r.Errors)}");
        }

        return text.ToString();
    }

    private static double Median(IEnumerable<double> values)
    {
        double[] sorted = [.. values.Order()];
        return sorted.Length == 0 ? 0 : sorted[sorted.Length / 2];
    }

    private static string Row(TailWindow row) => string.Create(CultureInfo.InvariantCulture,
        $"{row.EndSeconds,-8:F0}{row.Succeeded,-9}{row.Errors,-8}{row.P50Ms,-9:F2}{row.P99Ms,-9:F2}{row.P999Ms:F2}");
}
