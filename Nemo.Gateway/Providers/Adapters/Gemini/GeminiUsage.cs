using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// Gemini's <c>usageMetadata</c> in the usage convention every adapter follows: <c>prompt_tokens</c> is
/// <c>promptTokenCount</c> (which already includes <c>cachedContentTokenCount</c>), <c>completion_tokens</c>
/// is <c>candidatesTokenCount + thoughtsTokenCount</c> (thinking is billed as output), with the cached and
/// reasoning parts in <c>prompt_tokens_details.cached_tokens</c> and
/// <c>completion_tokens_details.reasoning_tokens</c>. Counts that are not non-negative integers make the
/// usage unreadable (null): Nemo then bills its own count, flagged.
/// </summary>
internal readonly record struct GeminiUsage(long Prompt, long Candidates, long Cached, long Thoughts)
{
    public long Completion => Candidates + Thoughts;

    public static GeminiUsage? Read(JsonElement response)
    {
        if (!response.TryGetProperty("usageMetadata", out JsonElement usage) || usage.ValueKind != JsonValueKind.Object)
            return null;
        if (Count(usage, "promptTokenCount", required: true) is not { } prompt
            || Count(usage, "candidatesTokenCount") is not { } candidates
            || Count(usage, "cachedContentTokenCount") is not { } cached
            || Count(usage, "thoughtsTokenCount") is not { } thoughts)
            return null;
        // A provider's figures summed: each below 2^62 keeps the sums exact (a larger one is capped at the reservation anyway).
        const long Limit = 1L << 62;
        if (prompt >= Limit || candidates >= Limit || thoughts >= Limit || cached > prompt)
            return null;
        return new GeminiUsage(prompt, candidates, cached, thoughts);
    }

    /// <summary>Writes OpenAI's <c>usage</c> property.</summary>
    public void Write(Utf8JsonWriter writer)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", Prompt);
        writer.WriteNumber("completion_tokens", Completion);
        writer.WriteNumber("total_tokens", Prompt + Completion);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", Cached);
        writer.WriteEndObject();
        writer.WriteStartObject("completion_tokens_details");
        writer.WriteNumber("reasoning_tokens", Thoughts);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    /// <summary>The count, 0 when absent (Gemini omits zero counts), null when present but not a non-negative integer.</summary>
    private static long? Count(JsonElement usage, string name, bool required = false)
    {
        if (!usage.TryGetProperty(name, out JsonElement value))
            return required ? null : 0;
        return value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long count) && count >= 0 ? count : null;
    }
}
