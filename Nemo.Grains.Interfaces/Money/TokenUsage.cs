namespace Nemo.Grains.Money;

/// <summary>
/// A request's tokens as billed. <see cref="PromptTokens"/> counts every input token, cache reads
/// (<see cref="CachedTokens"/>) and cache writes (<see cref="CacheWriteTokens"/>) included;
/// <see cref="CompletionTokens"/> counts every output token, reasoning (<see cref="ReasoningTokens"/>)
/// included — OpenAI's convention, which Nemo's provider adapters follow (docs/PRICING.md).
/// </summary>
public readonly record struct TokenUsage(long PromptTokens, long CompletionTokens, long CachedTokens = 0, long CacheWriteTokens = 0, long ReasoningTokens = 0)
{
    /// <summary>No count is negative and no detail is larger than the total it is part of.</summary>
    public bool IsConsistent =>
        PromptTokens >= 0 && CompletionTokens >= 0 && CachedTokens >= 0 && CacheWriteTokens >= 0 && ReasoningTokens >= 0
        && CachedTokens <= PromptTokens && CacheWriteTokens <= PromptTokens - CachedTokens && ReasoningTokens <= CompletionTokens;

    /// <summary>The same totals with no details: every token at the plain input and output prices.</summary>
    /// <remarks>A method, not a property: a record's ToString prints its properties, and this one would recurse.</remarks>
    public TokenUsage WithoutDetails() => new(PromptTokens, CompletionTokens);

    /// <summary>
    /// The same usage with each total at most its bound. The details are cut to fit the capped totals
    /// (cache reads first, then cache writes; reasoning within the output), so the usage stays consistent.
    /// </summary>
    public TokenUsage CappedAt(long promptTokensUpper, long completionTokensUpper)
    {
        long prompt = Math.Min(PromptTokens, promptTokensUpper);
        long completion = Math.Min(CompletionTokens, completionTokensUpper);
        long cached = Math.Min(CachedTokens, prompt);
        long cacheWrite = Math.Min(CacheWriteTokens, prompt - cached);
        return new TokenUsage(prompt, completion, cached, cacheWrite, Math.Min(ReasoningTokens, completion));
    }
}
