using System.Globalization;

namespace Nemo.Bench.Report;

/// <summary>Invariant-culture number formatting shared by the report writers.</summary>
internal static class Fmt
{
    public static string Ms(double milliseconds) => milliseconds.ToString("0.00", CultureInfo.InvariantCulture);

    public static string SignedMs(double milliseconds)
    {
        double rounded = Math.Round(milliseconds, 2);
        if (rounded == 0)
        {
            rounded = 0; // no "-0.00"
        }

        return (rounded >= 0 ? "+" : string.Empty) + rounded.ToString("0.00", CultureInfo.InvariantCulture);
    }

    /// <summary>A latency cell, or "-" when the run had no successful request.</summary>
    public static string Ms(double milliseconds, bool present) => present ? Ms(milliseconds) : "-";

    /// <summary>An overhead cell, or "-" when either side had no successful request.</summary>
    public static string SignedMs(double milliseconds, bool present) => present ? SignedMs(milliseconds) : "-";

    public static string Rate(double perSecond) => perSecond.ToString("0.0", CultureInfo.InvariantCulture);

    public static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    public static string Date(DateTimeOffset date) => date.ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);

    public static string Errors(IReadOnlyList<KeyValuePair<string, long>> errors)
    {
        var parts = new string[errors.Count];
        for (int i = 0; i < errors.Count; i++)
        {
            parts[i] = $"{errors[i].Key}={errors[i].Value.ToString(CultureInfo.InvariantCulture)}";
        }

        return string.Join(", ", parts);
    }

    public static string Setup(BenchReport report)
    {
        var o = report.Options;
        string priming = o.WarmupSeconds > 0 ? " (after one unrecorded priming warmup per target)" : string.Empty;
        return $"{Number(o.WarmupSeconds)} s warmup + {Number(o.DurationSeconds)} s recorded per rate and target{priming}, "
            + $"{o.Connections} connections, in-flight cap {o.InFlightCap}, "
            + $"mix of {report.MixSize} requests (seed {report.MixSeed}, {report.MixStreams} streaming = "
            + $"{Number(o.StreamShare * 100)} %), open loop, latency from scheduled send to end of body";
    }

    /// <summary>"312 µs CPU, 9.8 KB allocated per request".</summary>
    public static string Cost(Stats.ProcessCost cost)
    {
        string allocated = cost.AllocatedBytesPerRequest is { } bytes ? $", {(bytes / 1024).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture)} KB allocated" : string.Empty;
        return $"{cost.CpuMicrosPerRequest.ToString("0", System.Globalization.CultureInfo.InvariantCulture)} µs CPU{allocated} per request";
    }
}
