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
        // The floor is the same upstream behind a bare proxy, called with the upstream's key.
        BenchTarget? floor = options.FloorUrl is { } floorUrl ? new BenchTarget("nginx", floorUrl, options.DirectKey) : null;
        var results = new List<RateComparison>(options.Rates.Count);
        using var client = BenchHttpClient.Create(options.Connections);

        try
        {
            await PrimeAsync(client, floor is null ? [direct, nemo] : [direct, floor, nemo], mix, options, cancellationToken).ConfigureAwait(false);
            foreach (int rate in options.Rates)
            {
                RunSummary directRun = await RunOneAsync(client, direct, mix, rate, options, cancellationToken).ConfigureAwait(false);
                RunSummary? floorRun = floor is null ? null : await RunOneAsync(client, floor, mix, rate, options, cancellationToken).ConfigureAwait(false);
                ProcessSample? before = await ProcessSample.ReadAsync(client, options.GatewayPid, options.MetricsUrl, cancellationToken).ConfigureAwait(false);
                RunSummary nemoRun = await RunOneAsync(client, nemo, mix, rate, options, cancellationToken).ConfigureAwait(false);
                // Read after the run and its short pause (the gateway idles then); the warmup's requests count too: the process served them.
                ProcessSample? after = await ProcessSample.ReadAsync(client, options.GatewayPid, options.MetricsUrl, cancellationToken).ConfigureAwait(false);
                ProcessCost? cost = ProcessCost.Between(before, after, nemoRun.Sent + (long)(rate * options.WarmupSeconds));
                var comparison = new RateComparison(rate, directRun, nemoRun, Floor: floorRun, NemoCost: cost);
                if (options.FaultyShare > 0)
                {
                    (RunSummary beside, RunSummary faulty) = await RunBesideFaultsAsync(client, nemo, mix, rate, options, cancellationToken).ConfigureAwait(false);
                    comparison = comparison with { NemoBesideFaults = beside, Faulty = faulty };
                }
                results.Add(comparison);
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

    /// <summary>
    /// The healthy mix at the same rate again, while another tenant sends faulty requests at rate × f / (1 − f) (so that
    /// they are the share f of all requests) over its own connections: the generator's connection limit must not be
    /// what the faulty requests slow.
    /// </summary>
    private static async Task<(RunSummary Beside, RunSummary Faulty)> RunBesideFaultsAsync(
        HttpClient client, BenchTarget nemo, RequestMix mix, int rate, BenchOptions options, CancellationToken cancellationToken)
    {
        int faultyRate = Math.Max(1, (int)Math.Round(rate * options.FaultyShare / (1 - options.FaultyShare)));
        var healthy = new BenchTarget("nemo+faulty", nemo.BaseUrl, options.NemoKey);
        var faultyTarget = new BenchTarget("faulty", nemo.BaseUrl, options.FaultyKey!);
        using var faultyClient = BenchHttpClient.Create(options.Connections);
        Console.Error.Write($"bench: {rate}/s nemo beside {faultyRate}/s faulty: {options.WarmupSeconds} s warmup + {options.DurationSeconds} s ... ");
        RequestMix faultyMix = options.FaultyControl ? RequestMix.Create(options.StreamShare, seed: RequestMix.DefaultSeed + 1) : RequestMix.CreateFaulty(options.FaultyModes);
        var faultyRun = new FixedRateRun(faultyClient, faultyTarget, faultyMix, faultyRate, options.WarmupSeconds, options.DurationSeconds, options.InFlightCap);
        var healthyRun = new FixedRateRun(client, healthy, mix, rate, options.WarmupSeconds, options.DurationSeconds, options.InFlightCap);
        Task<RunSummary> faulty = faultyRun.RunAsync(cancellationToken);
        RunSummary beside = await healthyRun.RunAsync(cancellationToken).ConfigureAwait(false);
        RunSummary faultySummary = await faulty.ConfigureAwait(false);
        Console.Error.WriteLine($"{beside.Succeeded} ok, {beside.ErrorTotal} errors; faulty {faultySummary.Sent} sent");
        cancellationToken.ThrowIfCancellationRequested();
        GC.Collect();
        await Task.Delay(PauseBetweenRuns, cancellationToken).ConfigureAwait(false);
        return (beside, faultySummary);
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
