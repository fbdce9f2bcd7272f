using System.Globalization;

namespace Nemo.Bench.Stats;

/// <summary>
/// What the gateway process spent on one recorded run, per request sent: CPU time (user + system, from
/// <c>/proc/&lt;pid&gt;/stat</c>) and managed bytes allocated (the runtime's <c>dotnet.gc.heap.total_allocated</c>
/// counter, scraped from the gateway's Prometheus endpoint). Both include whatever else the process did meanwhile
/// (for an all-in-one node: the silo's grains and the ledger writer), which is the honest cost of a request there.
/// </summary>
internal sealed record ProcessCost(double CpuMicrosPerRequest, double? AllocatedBytesPerRequest)
{
    public static ProcessCost? Between(ProcessSample? before, ProcessSample? after, long requests)
    {
        if (before is null || after is null || requests <= 0)
        {
            return null;
        }

        double cpu = (after.CpuSeconds - before.CpuSeconds) * 1_000_000 / requests;
        double? allocated = before.AllocatedBytes is { } a && after.AllocatedBytes is { } b ? (b - a) / requests : null;
        return new ProcessCost(cpu, allocated);
    }
}

/// <summary>One reading of the gateway's CPU time and allocation counter.</summary>
internal sealed record ProcessSample(double CpuSeconds, double? AllocatedBytes)
{
    private const string AllocatedMetric = "dotnet_gc_heap_total_allocated_bytes_total";

    /// <summary>Linux reports /proc times in USER_HZ, which is 100 on every architecture .NET runs on.</summary>
    private const double TicksPerSecond = 100;

    public static async Task<ProcessSample?> ReadAsync(HttpClient http, int? pid, Uri? metricsUrl, CancellationToken cancellationToken)
    {
        if (pid is not { } id || ReadCpuSeconds(id) is not { } cpu)
        {
            return null;
        }

        return new ProcessSample(cpu, metricsUrl is null ? null : await ReadAllocatedAsync(http, metricsUrl, cancellationToken).ConfigureAwait(false));
    }

    private static double? ReadCpuSeconds(int pid)
    {
        try
        {
            // "pid (comm) state ppid …": the command name may hold spaces, so fields are counted after its closing ')'.
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            string[] fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after "pid (comm) ".
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    private static async Task<double?> ReadAllocatedAsync(HttpClient http, Uri metricsUrl, CancellationToken cancellationToken)
    {
        try
        {
            string text = await http.GetStringAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
            foreach (string line in text.Split('\n'))
            {
                if (line.StartsWith(AllocatedMetric, StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double bytes))
                    {
                        return bytes;
                    }
                }
            }
        }
        catch (HttpRequestException)
        {
        }

        return null;
    }
}
