namespace Nemo.Grains.Money;

/// <summary>
/// A model's price in nano-dollars per one million tokens. Cost is rounded up to the next nano so that
/// the sum of settled costs never falls below what the provider bills.
/// </summary>
public readonly record struct ModelPrice(long InputNanosPerMillion, long OutputNanosPerMillion)
{
    private const long TokensPerMillion = 1_000_000;

    public long Cost(long promptTokens, long completionTokens)
    {
        if (promptTokens < 0 || completionTokens < 0)
            throw new ArgumentOutOfRangeException(nameof(promptTokens), "Token counts cannot be negative.");
        Int128 total = (Int128)promptTokens * InputNanosPerMillion + (Int128)completionTokens * OutputNanosPerMillion;
        Int128 nanos = (total + (TokensPerMillion - 1)) / TokensPerMillion;
        return nanos > long.MaxValue ? long.MaxValue : (long)nanos;
    }
}
