namespace Nemo.Grains.Money;

/// <summary>
/// Money in Nemo is an integer count of nano-dollars (1 USD = 10^9 nanos) in a <see cref="long"/>,
/// <c>bigint</c> in SQL. JSON carries USD as a decimal number; these helpers convert exactly and
/// refuse what cannot be represented instead of rounding silently.
/// </summary>
public static class Usd
{
    public const long NanosPerUsd = 1_000_000_000;

    /// <summary>Largest amount accepted from a client: 1 billion USD.</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    public static bool TryToNanos(decimal usd, out long nanos)
    {
        nanos = 0;
        if (usd > MaxAmount || usd < -MaxAmount)
            return false;
        decimal scaled = usd * NanosPerUsd;
        if (scaled != decimal.Truncate(scaled))
            return false; // more than 9 decimal places: not representable in nanos
        nanos = (long)scaled;
        return true;
    }

    public static long ToNanos(decimal usd) =>
        TryToNanos(usd, out long nanos)
            ? nanos
            : throw new ArgumentOutOfRangeException(nameof(usd), usd,
                $"USD amounts must be within ±{MaxAmount} with at most 9 decimal places.");

    public static decimal FromNanos(long nanos) => nanos / (decimal)NanosPerUsd;
}
