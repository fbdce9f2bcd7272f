using System.Globalization;

namespace Nemo.Bench.Soak;

/// <summary>
/// The gateway's memory between soak windows: resident set size from <c>/proc/&lt;pid&gt;/status</c> (VmRSS), and the
/// managed heap after the last GC from its Prometheus endpoint (the runtime's <c>dotnet.gc.last_collection.heap.size</c>,
/// summed over generations). Either is null when it can't be read.
/// </summary>
internal sealed class GatewaySampler(HttpClient http, int? pid, Uri? metricsUrl)
{
    private const string HeapMetric = "dotnet_gc_last_collection_heap_size_bytes";

    public async Task<(double? RssMb, double? HeapMb)> SampleAsync(CancellationToken cancellationToken) =>
        (ReadRssMb(), await ReadHeapMbAsync(cancellationToken).ConfigureAwait(false));

    private double? ReadRssMb()
    {
        if (pid is not { } id)
        {
            return null;
        }

        try
        {
            foreach (string line in File.ReadLines($"/proc/{id}/status"))
            {
                // "VmRSS:	  123456 kB"
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal)
                    && long.TryParse(line.AsSpan(6).Trim().TrimEnd("kB").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb))
                {
                    return kb / 1024.0;
                }
            }
        }
        catch (IOException)
        {
        }

        return null;
    }

    private async Task<double?> ReadHeapMbAsync(CancellationToken cancellationToken)
    {
        if (metricsUrl is null)
        {
            return null;
        }

        try
        {
            string text = await http.GetStringAsync(metricsUrl, cancellationToken).ConfigureAwait(false);
            double total = 0;
            bool found = false;
            foreach (string line in text.Split('\n'))
            {
                // name{labels} value [timestamp]; comment lines start with '#'.
                if (!line.StartsWith(HeapMetric, StringComparison.Ordinal))
                {
                    continue;
                }

                string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double bytes))
                {
                    total += bytes;
                    found = true;
                }
            }

            return found ? total / (1024.0 * 1024.0) : null;
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
}
