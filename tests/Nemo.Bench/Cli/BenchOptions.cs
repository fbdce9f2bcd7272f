namespace Nemo.Bench.Cli;

/// <summary>The validated settings of one bench invocation.</summary>
internal sealed record BenchOptions(
    Uri DirectUrl,
    string DirectKey,
    Uri NemoUrl,
    string NemoKey,
    IReadOnlyList<int> Rates,
    double DurationSeconds,
    double WarmupSeconds,
    int Connections,
    double StreamShare,
    FileInfo? JsonFile,
    FileInfo? MarkdownFile,
    bool AllowRemote,
    double FaultyShare,
    string? FaultyKey,
    bool FaultyControl,
    IReadOnlyList<string> FaultyModes,
    double SoakMinutes,
    double SoakWindowSeconds,
    int? GatewayPid,
    Uri? MetricsUrl,
    FileInfo? SoakPlot,
    Uri? FloorUrl = null,
    double TailMinutes = 0,
    double TailWindowSeconds = BenchOptions.DefaultTailWindowSeconds,
    FileInfo? TailPlot = null)
{
    public const double DefaultTailWindowSeconds = 10;

    /// <summary>The share of the measured saturation rate the tail mode holds.</summary>
    public const double TailLoadShare = 0.8;

    public const double DefaultSoakWindowSeconds = 30;

    public const double DefaultDurationSeconds = 5;
    public const double DefaultWarmupSeconds = 2;
    public const int DefaultConnections = 64;
    public const double DefaultStreamShare = 0.2;

    /// <summary>With a faulty share f, a third run adds faulty requests at rate × f / (1 − f) beside the healthy ones.</summary>
    public const double MaxFaultyShare = 0.5;

    /// <summary>In-flight requests above this are dropped (counted as overload) instead of queued.</summary>
    public int InFlightCap => Connections * 4;
}
