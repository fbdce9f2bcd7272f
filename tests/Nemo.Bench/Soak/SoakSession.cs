using System.Globalization;
using System.Text;
using Nemo.Bench.Cli;
using Nemo.Bench.Load;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Soak;

/// <summary>
/// A steady run of the first rate against Nemo for <see cref="BenchOptions.SoakMinutes"/>, in windows: each window is
/// an open-loop run of its own (latency of that window only), followed by a sample of the gateway's memory. A leak or
/// a drifting tail shows as a rising line; the report prints the rows and the first-to-last change.
/// </summary>
internal static class SoakSession
{
    public static async Task<int> RunAsync(BenchOptions options, string commandLine, CancellationToken cancellationToken)
    {
        int rate = options.Rates[0];
        var mix = RequestMix.Create(options.StreamShare);
        var nemo = new BenchTarget("nemo", options.NemoUrl, options.NemoKey);
        using var client = BenchHttpClient.Create(options.Connections);
        using var probe = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var sampler = new GatewaySampler(probe, options.GatewayPid, options.MetricsUrl);
        int windows = Math.Max(1, (int)Math.Ceiling(options.SoakMinutes * 60 / options.SoakWindowSeconds));
        var rows = new List<SoakWindow>(windows);
        Console.Error.WriteLine($"bench: soak at {rate}/s for {options.SoakMinutes} min in {windows} windows of {options.SoakWindowSeconds} s (after {options.WarmupSeconds} s warmup)");
        try
        {
            if (options.WarmupSeconds > 0)
            {
                await new FixedRateRun(client, nemo, mix, rate, options.WarmupSeconds, 0, options.InFlightCap).RunAsync(cancellationToken).ConfigureAwait(false);
            }

            for (int i = 0; i < windows; i++)
            {
                RunSummary run = await new FixedRateRun(client, nemo, mix, rate, 0, options.SoakWindowSeconds, options.InFlightCap)
                    .RunAsync(cancellationToken).ConfigureAwait(false);
                (double? rss, double? heap) = await sampler.SampleAsync(cancellationToken).ConfigureAwait(false);
                var row = new SoakWindow((i + 1) * options.SoakWindowSeconds / 60, run.Succeeded, run.ErrorTotal, run.P50Ms, run.P99Ms, rss, heap);
                rows.Add(row);
                Console.Error.WriteLine(Row(row));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: soak cancelled; reporting the windows that finished.");
        }

        Console.Out.Write(Render(rows, rate, options, commandLine));
        if (options.SoakPlot is { } plot && rows.Count > 0)
        {
            if (plot.DirectoryName is { Length: > 0 } directory)
            {
                Directory.CreateDirectory(directory);
            }

            SoakPlot.Write(rows, rate, plot.FullName);
            Console.Error.WriteLine($"bench: wrote {plot.FullName}");
        }

        return cancellationToken.IsCancellationRequested ? ExitCodes.Cancelled : ExitCodes.Ran;
    }

    private static string Render(List<SoakWindow> rows, int rate, BenchOptions options, string commandLine)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Nemo soak, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC: {rate}/s for {options.SoakMinutes} min, windows of {options.SoakWindowSeconds} s");
        text.AppendLine(CultureInfo.InvariantCulture, $"command: {commandLine}");
        text.AppendLine("minute  ok       errors  p50 ms   p99 ms   RSS MB   heap MB");
        foreach (SoakWindow row in rows)
        {
            text.AppendLine(Row(row));
        }

        if (rows.Count >= 2)
        {
            SoakWindow first = rows[0], last = rows[^1];
            text.AppendLine(CultureInfo.InvariantCulture,
                $"first → last window: p99 {first.P99Ms:F2} → {last.P99Ms:F2} ms, RSS {Mb(first.RssMb)} → {Mb(last.RssMb)} MB, heap {Mb(first.HeapMb)} → {Mb(last.HeapMb)} MB");
        }

        return text.ToString();
    }

    private static string Row(SoakWindow row) => string.Create(CultureInfo.InvariantCulture,
        $"{row.EndMinutes,-8:F1}{row.Succeeded,-9}{row.Errors,-8}{row.P50Ms,-9:F2}{row.P99Ms,-9:F2}{Mb(row.RssMb),-9}{Mb(row.HeapMb)}");

    private static string Mb(double? value) => value is { } v ? v.ToString("F1", CultureInfo.InvariantCulture) : "-";
}
