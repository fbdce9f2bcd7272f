using System.Text.Json;

namespace Nemo.Gateway.Translation;

/// <summary>
/// The token figures of a chat completion's <c>usage</c> as other dialects report them: prompt tokens include
/// cache reads (<c>prompt_tokens_details.cached_tokens</c>) and cache writes (<c>cache_write_tokens</c>, Nemo's
/// field for providers that report them). Missing or unreadable figures read 0: the bill was settled from
/// Nemo's own count, and the dialects only report.
/// </summary>
internal readonly record struct CompletionUsage(long Prompt, long Completion, long CachedPrompt, long Reasoning, long CacheWrite = 0)
{
    public static CompletionUsage Read(JsonElement usage)
    {
        long prompt = Count(usage, "prompt_tokens");
        JsonElement p = usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("prompt_tokens_details", out JsonElement d) ? d : default;
        long cached = Math.Min(prompt, Count(p, "cached_tokens"));
        long written = Math.Min(prompt - cached, Count(p, "cache_write_tokens"));
        long completion = Count(usage, "completion_tokens");
        long reasoning = usage.ValueKind == JsonValueKind.Object && usage.TryGetProperty("completion_tokens_details", out JsonElement c) ? Math.Min(completion, Count(c, "reasoning_tokens")) : 0;
        return new CompletionUsage(prompt, completion, cached, reasoning, written);
    }

    private static long Count(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt64(out long n) && n >= 0 ? n : 0;
}
