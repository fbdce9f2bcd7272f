using System.CommandLine;
using Nemo.Bench.Load;
using Nemo.Bench.Soak;
using Nemo.Bench.Tail;

namespace Nemo.Bench.Cli;

/// <summary>The System.CommandLine definition of the bench: flags, validation and the action.</summary>
internal sealed class BenchCommand
{
    private readonly Option<Uri> _directUrl = new("--direct-url")
    {
        Description = "Base URL of the upstream (fake OpenAI provider), e.g. http://127.0.0.1:5001/v1",
        Required = true,
        CustomParser = ArgParsers.ParseBaseUrl,
    };

    private readonly Option<string> _directKey = new("--direct-key")
    {
        Description = "API key sent as 'Authorization: Bearer' to the upstream",
        Required = true,
    };

    private readonly Option<Uri> _nemoUrl = new("--nemo-url")
    {
        Description = "Base URL of the Nemo gateway, e.g. http://127.0.0.1:5000/v1",
        Required = true,
        CustomParser = ArgParsers.ParseBaseUrl,
    };

    private readonly Option<string> _nemoKey = new("--nemo-key")
    {
        Description = "Nemo virtual key sent as 'Authorization: Bearer' to the gateway",
        Required = true,
    };

    private readonly Option<int[]> _rates = new("--rates")
    {
        Description = "Comma-separated request rates per second, run in order",
        CustomParser = ArgParsers.ParseRates,
        DefaultValueFactory = _ => [.. ArgParsers.DefaultRates],
    };

    private readonly Option<double> _duration = new("--duration")
    {
        Description = "Recorded seconds per rate and target",
        CustomParser = ArgParsers.DoubleInRange(BenchOptions.DefaultDurationSeconds, 0, 3600, minExclusive: true),
        DefaultValueFactory = _ => BenchOptions.DefaultDurationSeconds,
    };

    private readonly Option<double> _warmup = new("--warmup")
    {
        Description = "Unrecorded warmup seconds before each recorded run",
        CustomParser = ArgParsers.DoubleInRange(BenchOptions.DefaultWarmupSeconds, 0, 600, minExclusive: false),
        DefaultValueFactory = _ => BenchOptions.DefaultWarmupSeconds,
    };

    private readonly Option<int> _connections = new("--connections")
    {
        Description = "Max HTTP/1.1 connections per target; in-flight requests above 4x this are dropped",
        CustomParser = ArgParsers.IntInRange(BenchOptions.DefaultConnections, 1, 4096),
        DefaultValueFactory = _ => BenchOptions.DefaultConnections,
    };

    private readonly Option<double> _streamShare = new("--stream-share")
    {
        Description = "Share of requests with \"stream\":true, 0..1",
        CustomParser = ArgParsers.DoubleInRange(BenchOptions.DefaultStreamShare, 0, 1, minExclusive: false),
        DefaultValueFactory = _ => BenchOptions.DefaultStreamShare,
    };

    private readonly Option<FileInfo?> _json = new("--json")
    {
        Description = "Also write the results as JSON to this file",
    };

    private readonly Option<FileInfo?> _markdown = new("--markdown")
    {
        Description = "Also write the results as a Markdown table to this file",
    };

    private readonly Option<double> _faultyShare = new("--faulty-share")
    {
        Description = "Share of all requests (0..0.5) that a second tenant (--faulty-key) sends into the fake provider's fault modes "
            + "during a third run per rate; the report compares the healthy tenant's latency with and without them. 0: no third run",
        CustomParser = ArgParsers.DoubleInRange(0, 0, BenchOptions.MaxFaultyShare, minExclusive: false),
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<string?> _faultyKey = new("--faulty-key")
    {
        Description = "Nemo virtual key of the tenant that sends the faulty requests (another organization than --nemo-key's)",
    };

    private readonly Option<bool> _faultyControl = new("--faulty-control")
    {
        Description = "With --faulty-share: the second tenant sends the healthy mix instead of faults (the same extra load "
            + "without faults: a control for what the faults themselves cost the healthy tenant)",
    };

    private readonly Option<string[]> _faultyModes = new("--faulty-modes")
    {
        Description = "With --faulty-share: only these fault modes, comma-separated (default: all of the mix)",
        CustomParser = r => [.. r.Tokens.SelectMany(t => t.Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))],
        DefaultValueFactory = _ => [],
    };

    private readonly Option<double> _soakMinutes = new("--soak-minutes")
    {
        Description = "Instead of the comparison: hold the first rate against Nemo for this many minutes and report p50/p99, "
            + "the gateway's RSS and GC heap per window (0: off)",
        CustomParser = ArgParsers.DoubleInRange(0, 0, 24 * 60, minExclusive: false),
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<double> _soakWindow = new("--soak-window")
    {
        Description = "Seconds per soak window (one row of the soak report)",
        CustomParser = ArgParsers.DoubleInRange(BenchOptions.DefaultSoakWindowSeconds, 5, 3600, minExclusive: false),
        DefaultValueFactory = _ => BenchOptions.DefaultSoakWindowSeconds,
    };

    private readonly Option<int?> _gatewayPid = new("--gateway-pid")
    {
        Description = "Process id of the gateway, for its CPU time per request (/proc/<pid>/stat) and its resident memory in the soak report",
    };

    private readonly Option<Uri?> _metricsUrl = new("--metrics-url")
    {
        Description = "The gateway's Prometheus endpoint (…/metrics), for its bytes allocated per request and its GC heap in the soak report",
        CustomParser = ArgParsers.ParseBaseUrl,
    };

    private readonly Option<FileInfo?> _soakPlot = new("--soak-plot")
    {
        Description = "Write the soak run's plot (p99, RSS and GC heap over time) as a PNG to this file",
    };

    private readonly Option<Uri?> _floorUrl = new("--floor-url")
    {
        Description = "Base URL of a bare reverse proxy (e.g. nginx) in front of the same upstream, measured between direct and Nemo "
            + "as the floor any proxy hop costs here",
        CustomParser = ArgParsers.ParseBaseUrl,
    };

    private readonly Option<double> _tailMinutes = new("--tail-minutes")
    {
        Description = "Instead of the comparison: find Nemo's saturation rate (rising steps from the first rate), then hold 80 % of it "
            + "for this many minutes and report p50/p99/p99.9 per window (0: off)",
        CustomParser = ArgParsers.DoubleInRange(0, 0, 24 * 60, minExclusive: false),
        DefaultValueFactory = _ => 0,
    };

    private readonly Option<double> _tailWindow = new("--tail-window")
    {
        Description = "Seconds per tail window (one row of the tail report)",
        CustomParser = ArgParsers.DoubleInRange(BenchOptions.DefaultTailWindowSeconds, 2, 3600, minExclusive: false),
        DefaultValueFactory = _ => BenchOptions.DefaultTailWindowSeconds,
    };

    private readonly Option<FileInfo?> _tailPlot = new("--tail-plot")
    {
        Description = "Write the tail run's plot (p50, p99 and p99.9 over time) as a PNG to this file",
    };

    private readonly Option<bool> _allowRemote = new("--allow-remote")
    {
        Description = "Allow targets that are not loopback addresses (off: only 127.0.0.0/8, ::1, localhost)",
    };

    private readonly CancellationToken _stopToken;

    public BenchCommand(CancellationToken stopToken)
    {
        _stopToken = stopToken;
        _directKey.Validators.Add(ArgParsers.RequireNonBlank);
        _nemoKey.Validators.Add(ArgParsers.RequireNonBlank);
        _json.AcceptLegalFilePathsOnly();
        _markdown.AcceptLegalFilePathsOnly();

        Root = new RootCommand(
            "Nemo bench: drives a fixed-rate OpenAI chat-completion mix straight at the upstream, then through Nemo, "
            + "and prints the latency overhead side by side.")
        {
            _directUrl, _directKey, _nemoUrl, _nemoKey, _rates, _duration, _warmup,
            _connections, _streamShare, _json, _markdown, _allowRemote, _faultyShare, _faultyKey, _faultyControl, _faultyModes,
            _soakMinutes, _soakWindow, _gatewayPid, _metricsUrl, _soakPlot, _floorUrl,
            _tailMinutes, _tailWindow, _tailPlot,
        };
        Root.SetAction(RunAsync);
    }

    public RootCommand Root { get; }

    private async Task<int> RunAsync(ParseResult result, CancellationToken invocationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(invocationToken, _stopToken);
        var options = new BenchOptions(
            result.GetRequiredValue(_directUrl),
            result.GetRequiredValue(_directKey),
            result.GetRequiredValue(_nemoUrl),
            result.GetRequiredValue(_nemoKey),
            result.GetRequiredValue(_rates),
            result.GetValue(_duration),
            result.GetValue(_warmup),
            result.GetValue(_connections),
            result.GetValue(_streamShare),
            result.GetValue(_json),
            result.GetValue(_markdown),
            result.GetValue(_allowRemote),
            result.GetValue(_faultyShare),
            result.GetValue(_faultyKey),
            result.GetValue(_faultyControl),
            result.GetValue(_faultyModes) ?? [],
            result.GetValue(_soakMinutes),
            result.GetValue(_soakWindow),
            result.GetValue(_gatewayPid),
            result.GetValue(_metricsUrl),
            result.GetValue(_soakPlot),
            result.GetValue(_floorUrl),
            result.GetValue(_tailMinutes),
            result.GetValue(_tailWindow),
            result.GetValue(_tailPlot));

        if (options.FaultyShare > 0 && string.IsNullOrWhiteSpace(options.FaultyKey))
        {
            Console.Error.WriteLine("error: --faulty-share needs --faulty-key (a key of another organization than --nemo-key's).");
            return ExitCodes.BadArguments;
        }

        if (!options.AllowRemote)
        {
            foreach (var (flag, url) in new[] { ("--direct-url", options.DirectUrl), ("--nemo-url", options.NemoUrl), ("--floor-url", options.FloorUrl) })
            {
                if (url is not null && !url.IsLoopback)
                {
                    Console.Error.WriteLine(
                        $"error: {flag}: '{url}' is not a loopback address; the bench only targets 127.0.0.1/::1/localhost "
                        + "unless --allow-remote is given.");
                    return ExitCodes.BadArguments;
                }
            }
        }

        string commandLine = CommandLineText.Redacted(Environment.GetCommandLineArgs().AsSpan(1));
        if (options.TailMinutes > 0)
        {
            return await TailSession.RunAsync(options, commandLine, stop.Token).ConfigureAwait(false);
        }

        return options.SoakMinutes > 0
            ? await SoakSession.RunAsync(options, commandLine, stop.Token).ConfigureAwait(false)
            : await BenchSession.RunAsync(options, commandLine, stop.Token).ConfigureAwait(false);
    }
}
