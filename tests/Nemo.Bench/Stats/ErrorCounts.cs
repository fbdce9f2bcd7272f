using System.Collections.Concurrent;

namespace Nemo.Bench.Stats;

/// <summary>
/// Error counts of one run by kind: "http_503" (non-2xx status), "bad_body" (200 without "usage", or a stream not
/// ending in data: [DONE]), "exception:&lt;error&gt;", "timeout" (still running at the drain deadline) and
/// "dropped" (not sent: in-flight cap reached). Errors are the rare path, so a dictionary is fine here.
/// </summary>
internal sealed class ErrorCounts
{
    public const string Dropped = "dropped";
    public const string BadBody = "bad_body";
    public const string Timeout = "timeout";

    private readonly ConcurrentDictionary<string, long> _counts = new(StringComparer.Ordinal);
    private string? _sample;

    public long Total
    {
        get
        {
            long total = 0;
            foreach (var pair in _counts)
            {
                total += pair.Value;
            }

            return total;
        }
    }

    /// <summary>The first exception or bad status seen, to help diagnose a failing run.</summary>
    public string? Sample => Volatile.Read(ref _sample);

    public void Add(string kind, string? sample = null)
    {
        _counts.AddOrUpdate(kind, 1, static (_, count) => count + 1);
        if (sample is not null)
        {
            Interlocked.CompareExchange(ref _sample, sample, null);
        }
    }

    public IReadOnlyList<KeyValuePair<string, long>> Snapshot()
    {
        var list = new List<KeyValuePair<string, long>>(_counts);
        list.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        return list;
    }
}
