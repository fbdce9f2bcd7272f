using System.Numerics;

namespace Nemo.Bench.Stats;

/// <summary>
/// A small HDR-style (log-linear) latency histogram in nanoseconds, written by hand because the HdrHistogram package
/// is not available from this project's package source. Values below 256 ns get one bucket each; above that every
/// power of two is split into 128 linear buckets, so a reported percentile is within 1/128 (&lt; 0.8 %) of the true
/// value. Range: 0 ns to ~36 minutes (larger values are clamped). Recording is lock-free (Interlocked) and
/// allocation-free, so many in-flight requests can record concurrently.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBucketBits = 7;
    private const int SubBucketCount = 1 << SubBucketBits; // 128
    private const int LinearLimit = SubBucketCount << 1; // 256: below this, one bucket per nanosecond
    private const int MaxShift = 33; // values up to 2^41 ns
    private const long MaxTrackable = (1L << (SubBucketBits + 1 + MaxShift)) - 1;
    private const int BucketCount = LinearLimit + (MaxShift * SubBucketCount);

    private readonly long[] _counts = new long[BucketCount];
    private long _total;
    private long _max;
    private long _sum;

    public long Count => Volatile.Read(ref _total);

    public long MaxNanoseconds => Volatile.Read(ref _max);

    public double MeanNanoseconds => Count == 0 ? 0 : (double)Volatile.Read(ref _sum) / Count;

    public void Record(long nanoseconds)
    {
        long value = Math.Clamp(nanoseconds, 0, MaxTrackable);
        Interlocked.Increment(ref _counts[IndexOf(value)]);
        Interlocked.Increment(ref _total);
        Interlocked.Add(ref _sum, value);

        long max = Volatile.Read(ref _max);
        while (value > max)
        {
            long seen = Interlocked.CompareExchange(ref _max, value, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>
    /// The smallest recorded value (bucket upper bound, capped at the exact max) such that at least
    /// <paramref name="percentile"/> % of the recorded values are at or below it; 0 when empty.
    /// </summary>
    public long ValueAtPercentile(double percentile)
    {
        long total = Count;
        if (total == 0)
        {
            return 0;
        }

        long rank = Math.Max(1, (long)Math.Ceiling(percentile / 100.0 * total));
        long seen = 0;
        for (int i = 0; i < BucketCount; i++)
        {
            seen += Volatile.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(HighestValueIn(i), MaxNanoseconds);
            }
        }

        return MaxNanoseconds;
    }

    private static int IndexOf(long value)
    {
        if (value < LinearLimit)
        {
            return (int)value;
        }

        int msb = 63 - BitOperations.LeadingZeroCount((ulong)value);
        int shift = msb - SubBucketBits; // >= 1 here; (value >> shift) is in [128, 256)
        return LinearLimit + ((shift - 1) * SubBucketCount) + (int)((value >> shift) - SubBucketCount);
    }

    private static long HighestValueIn(int index)
    {
        if (index < LinearLimit)
        {
            return index;
        }

        int shift = ((index - LinearLimit) / SubBucketCount) + 1;
        long subBucket = ((index - LinearLimit) % SubBucketCount) + SubBucketCount;
        return ((subBucket + 1) << shift) - 1;
    }
}
