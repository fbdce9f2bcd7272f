using System.Globalization;
using System.Text;

namespace Nemo.FakeUpstream;

/// <summary>
/// Names of the per-request overrides. A header wins over the body's <c>user</c> field
/// (<c>"user":"fake:mode=cut;cut_after=2"</c>), which wins over <see cref="FakeUpstreamOptions"/>.
/// </summary>
public static class FakeOverrides
{
    public const string ModeHeader = "x-fake-mode";
    public const string LatencyMsHeader = "x-fake-latency-ms";
    public const string ChunkDelayMsHeader = "x-fake-chunk-delay-ms";
    public const string CompletionTokensHeader = "x-fake-completion-tokens";
    public const string CutAfterChunksHeader = "x-fake-cut-after-chunks";
    public const string PromptTokenizerHeader = "x-fake-prompt-tokenizer";
    public const string CachedTokensHeader = "x-fake-cached-tokens";
    public const string ReasoningTokensHeader = "x-fake-reasoning-tokens";

    /// <summary>Prefix of a <c>user</c> field that carries overrides.</summary>
    public const string UserPrefix = "fake:";

    public const string ModeKey = "mode";
    public const string LatencyMsKey = "latency_ms";
    public const string ChunkDelayMsKey = "chunk_delay_ms";
    public const string CompletionTokensKey = "completion_tokens";
    public const string CutAfterKey = "cut_after";
    public const string UsageKey = "usage";
    public const string PromptTokenizerKey = "prompt_tokenizer";

    /// <summary>The <c>prompt_tokenizer</c> value of the default count, ceil(bytes / 4) + 3 per message.</summary>
    public const string BytesTokenizer = "bytes";
    public const string CachedTokensKey = "cached_tokens";
    public const string ReasoningTokensKey = "reasoning_tokens";

    /// <summary>Builds a <c>user</c> value such as "fake:mode=cut;cut_after=2".</summary>
    public static string User(
        FakeMode? mode = null,
        int? latencyMs = null,
        int? chunkDelayMs = null,
        int? completionTokens = null,
        int? cutAfter = null,
        string? usage = null,
        string? promptTokenizer = null,
        int? cachedTokens = null,
        int? reasoningTokens = null)
    {
        var text = new StringBuilder(UserPrefix);
        Append(text, ModeKey, mode?.ToName());
        Append(text, LatencyMsKey, latencyMs?.ToString(CultureInfo.InvariantCulture));
        Append(text, ChunkDelayMsKey, chunkDelayMs?.ToString(CultureInfo.InvariantCulture));
        Append(text, CompletionTokensKey, completionTokens?.ToString(CultureInfo.InvariantCulture));
        Append(text, CutAfterKey, cutAfter?.ToString(CultureInfo.InvariantCulture));
        Append(text, UsageKey, usage);
        Append(text, PromptTokenizerKey, promptTokenizer);
        Append(text, CachedTokensKey, cachedTokens?.ToString(CultureInfo.InvariantCulture));
        Append(text, ReasoningTokensKey, reasoningTokens?.ToString(CultureInfo.InvariantCulture));
        return text.ToString();
    }

    private static void Append(StringBuilder text, string key, string? value)
    {
        if (value is null)
        {
            return;
        }

        if (text.Length > UserPrefix.Length)
        {
            text.Append(';');
        }

        text.Append(key).Append('=').Append(value);
    }
}
