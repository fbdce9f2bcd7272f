namespace Nemo.FakeUpstream;

/// <summary>The knobs in force for one request, after header and <c>user</c> overrides.</summary>
internal readonly record struct FakeRequestSettings(
    FakeMode Mode,
    int LatencyMs,
    int ChunkDelayMs,
    int CompletionTokens,
    int CutAfterChunks,
    string? UsageLiteral = null,
    string? PromptTokenizer = null,
    int? CachedTokens = null,
    int? ReasoningTokens = null)
{
    public static FakeRequestSettings From(FakeUpstreamOptions options) => new(
        options.Mode,
        Math.Max(0, options.LatencyMs),
        Math.Max(0, options.ChunkDelayMs),
        Math.Max(0, options.CompletionTokens),
        Math.Max(0, options.CutAfterChunks),
        PromptTokenizer: options.PromptTokenizer,
        CachedTokens: options.CachedTokens,
        ReasoningTokens: options.ReasoningTokens);
}
