using System.Text;
using Nemo.Bench.Cli;
using Nemo.Bench.Report;
using Nemo.Bench.Stats;

namespace Nemo.Bench.Load;

/// <summary>Runs every rate (direct first, then Nemo at the same rate) and writes the reports.</summary>
internal static class BenchSession
{
    private static readonly TimeSpan PauseBetweenRuns = TimeSpan.FromMilliseconds(250);

    public static async Task<int> RunAsync(BenchOptions options, string commandLine, CancellationToken cancellationToken)
    {
        var mix = RequestMix.Create(options.StreamShare);
        var direct = new BenchTarget("direct", options.DirectUrl, options.DirectKey);
        var nemo = new BenchTarget("nemo", options.NemoUrl, options.NemoKey);
        var results = new List<RateComparison>(options.Rates.Count);
        using var client = BenchHttpClient.Create(options.Connections);

        try
        {
            await PrimeAsync(client, [direct, nemo], mix, options, cancellationToken).ConfigureAwait(false);
            foreach (int rate in options.Rates)
            {
                RunSummary directRun = await RunOneAsync(client, direct, mix, rate, options, cancellationToken).ConfigureAwait(false);
                RunSummary nemoRun = await RunOneAsync(client, nemo, mix, rate, options, cancellationToken).ConfigureAwait(false);
                results.Add(new RateComparison(rate, directRun, nemoRun));
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Console.Error.WriteLine("bench: cancelled; reporting the rates that finished.");
        }

        bool completed = !cancellationToken.IsCancellationRequested;
        var report = new BenchReport(
            MachineInfo.Current(), commandLine, options, mix.Count, RequestMix.DefaultSeed, mix.StreamCount, results, completed);

        Console.Out.Write(TextReportWriter.Render(report));
        await WriteFilesAsync(report, options).ConfigureAwait(false);
        return completed ? ExitCodes.Ran : ExitCodes.Cancelled;
    }

    /// <summary>
    /// One unrecorded warmup against each target before anything is measured, so that JIT tiering of the generator's
    /// own code paths and the servers' first connections settle before the first (direct) run, which would otherwise
    /// pay for them alone and make the overhead look smaller than it is.
    /// </summary>
    private static async Task PrimeAsync(
        HttpClient client, BenchTarget[] targets, RequestMix mix, BenchOptions options, CancellationToken cancellationToken)
    {
        if (options.WarmupSeconds <= 0)
        {
            return;
        }

        int rate = options.Rates[0];
        foreach (var target in targets)
        {
            Console.Error.WriteLine($"bench: priming {target.Name} at {rate}/s for {options.WarmupSeconds} s (not recorded)");
            var run = new FixedRateRun(client, target, mix, rate, options.WarmupSeconds, 0, options.InFlightCap);
            await run.RunAsync(cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
        }
    }

    private static async Task<RunSummary> RunOneAsync(
        HttpClient client, BenchTarget target, RequestMix mix, int rate, BenchOptions options, CancellationToken cancellationToken)
    {
        Console.Error.Write($"bench: {rate}/s {target.Name}: {options.WarmupSeconds} s warmup + {options.DurationSeconds} s ... ");
        var run = new FixedRateRun(client, target, mix, rate, options.WarmupSeconds, options.DurationSeconds, options.InFlightCap);
        RunSummary summary = await run.RunAsync(cancellationToken).ConfigureAwait(false);
        Console.Error.WriteLine($"{summary.Succeeded} ok, {summary.ErrorTotal} errors");
        cancellationToken.ThrowIfCancellationRequested();

        // Let the server settle (and our garbage go) before the next run so runs do not bleed into each other.
        GC.Collect();
        await Task.Delay(PauseBetweenRuns, cancellationToken).ConfigureAwait(false);
        return summary;
    }

    private static async Task WriteFilesAsync(BenchReport report, BenchOptions options)
    {
        if (options.MarkdownFile is { } markdown)
        {
            CreateDirectoryFor(markdown);
            await File.WriteAllTextAsync(markdown.FullName, MarkdownReportWriter.Render(report), new UTF8Encoding(false)).ConfigureAwait(false);
            Console.Error.WriteLine($"bench: wrote {markdown.FullName}");
        }

        if (options.JsonFile is { } json)
        {
            CreateDirectoryFor(json);
            await using (var stream = File.Create(json.FullName))
            {
                JsonReportWriter.Write(report, stream);
            }

            Console.Error.WriteLine($"bench: wrote {json.FullName}");
        }
    }

    private static void CreateDirectoryFor(FileInfo file)
    {
        if (file.DirectoryName is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
        }
    }
}
