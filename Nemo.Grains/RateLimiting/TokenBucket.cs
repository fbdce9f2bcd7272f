using Nemo.Grains.Spend;

namespace Nemo.Grains.RateLimiting;

/// <summary>
/// An RPM or TPM token bucket: holds up to one minute's allowance and refills continuously.
/// Written by hand rather than with System.Threading.RateLimiting's TokenBucketRateLimiter because that
/// one refills on its own timer instead of an injected <see cref="TimeProvider"/>, cannot give tokens back
/// when a later scope refuses (no partial debit), and cannot go into debt when TPM is corrected at settle.
/// The level is kept in unit·ticks (units × ticks per minute) so refill is exact integer arithmetic.
/// </summary>
internal sealed class TokenBucket
{
    private const long TicksPerMinute = TimeSpan.TicksPerMinute;

    private readonly TimeProvider _time;
    private Int128 _level;
    private long _lastTimestamp;

    public TokenBucket(long perMinute, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perMinute);
        PerMinute = perMinute;
        _time = time;
        _level = Capacity;
        _lastTimestamp = time.GetTimestamp();
    }

    public long PerMinute { get; }

    private Int128 Capacity => (Int128)PerMinute * TicksPerMinute;

    /// <summary>Whole units available now (negative while in debt).</summary>
    public long Remaining
    {
        get
        {
            Refill();
            return (long)(_level / TicksPerMinute);
        }
    }

    /// <summary>Takes <paramref name="units"/> if available. A request larger than the whole bucket is admitted when the bucket is full.</summary>
    public bool TryTake(long units, out long retryAfterMs)
    {
        Refill();
        Int128 need = (Int128)Math.Min(units, PerMinute) * TicksPerMinute;
        if (_level >= need)
        {
            _level -= (Int128)units * TicksPerMinute;
            retryAfterMs = 0;
            return true;
        }
        retryAfterMs = TicksToMs((need - _level) / PerMinute);
        return false;
    }

    /// <summary>Gives units back (rollback) or takes more (positive debt correction): never above capacity.</summary>
    public void Adjust(long unitsToTake)
    {
        Refill();
        _level -= (Int128)unitsToTake * TicksPerMinute;
        if (_level > Capacity)
            _level = Capacity;
    }

    /// <summary>Milliseconds until the bucket is full again.</summary>
    public long ResetMs
    {
        get
        {
            Refill();
            return _level >= Capacity ? 0 : TicksToMs((Capacity - _level) / PerMinute);
        }
    }

    private void Refill()
    {
        long now = _time.GetTimestamp();
        long elapsedTicks = _time.GetElapsedTime(_lastTimestamp, now).Ticks;
        if (elapsedTicks <= 0)
            return;
        _lastTimestamp = now;
        _level += (Int128)elapsedTicks * PerMinute;
        if (_level > Capacity)
            _level = Capacity;
    }

    private static long TicksToMs(Int128 ticks) => (long)((ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond);
}
