namespace Nemo.Grains.Money;

/// <summary>
/// A deployment's prices in nano-dollars per one million tokens: input, output, and the input tokens read
/// from (<see cref="CachedInputNanosPerMillion"/>) or written to (<see cref="CacheWriteNanosPerMillion"/>)
/// the provider's prompt cache, and the output tokens spent reasoning (<see cref="ReasoningNanosPerMillion"/>).
/// A request's cost sums every kind exactly (in <see cref="Int128"/>) and is rounded up to the next nano
/// once, so the sum of settled costs never falls below what the provider bills and no per-kind rounding
/// adds up.
/// </summary>
public readonly record struct ModelPrice(
    long InputNanosPerMillion,
    long OutputNanosPerMillion,
    long CachedInputNanosPerMillion,
    long CacheWriteNanosPerMillion,
    long ReasoningNanosPerMillion)
{
    private const long TokensPerMillion = 1_000_000;

    /// <summary>A price without cache or reasoning rates: cache reads and writes cost input, reasoning costs output.</summary>
    public ModelPrice(long inputNanosPerMillion, long outputNanosPerMillion)
        : this(inputNanosPerMillion, outputNanosPerMillion, inputNanosPerMillion, inputNanosPerMillion, outputNanosPerMillion)
    {
    }

    /// <summary>The highest price of any prompt token: what a reservation charges per prompt token.</summary>
    public long MaxPromptNanosPerMillion => Math.Max(InputNanosPerMillion, Math.Max(CachedInputNanosPerMillion, CacheWriteNanosPerMillion));

    /// <summary>The highest price of any output token: what a reservation charges per output token.</summary>
    public long MaxOutputNanosPerMillion => Math.Max(OutputNanosPerMillion, ReasoningNanosPerMillion);

    public long Cost(long promptTokens, long completionTokens) => Cost(new TokenUsage(promptTokens, completionTokens));

    /// <summary>
    /// Uncached input × input + cache reads × cached input + cache writes × cache write + (output − reasoning) × output
    /// + reasoning × reasoning, rounded up to the next nano; saturates at <see cref="long.MaxValue"/>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative or a detail exceeds its total (<see cref="TokenUsage.IsConsistent"/>).</exception>
    public long Cost(TokenUsage usage)
    {
        if (!usage.IsConsistent)
            throw new ArgumentOutOfRangeException(nameof(usage), usage, "Token counts cannot be negative, and no detail can exceed its total.");
        long uncached = usage.PromptTokens - usage.CachedTokens - usage.CacheWriteTokens;
        long plainOutput = usage.CompletionTokens - usage.ReasoningTokens;
        Int128 total = (Int128)uncached * InputNanosPerMillion
            + (Int128)usage.CachedTokens * CachedInputNanosPerMillion
            + (Int128)usage.CacheWriteTokens * CacheWriteNanosPerMillion
            + (Int128)plainOutput * OutputNanosPerMillion
            + (Int128)usage.ReasoningTokens * ReasoningNanosPerMillion;
        Int128 nanos = (total + (TokensPerMillion - 1)) / TokensPerMillion;
        return nanos > long.MaxValue ? long.MaxValue : (long)nanos;
    }
}
