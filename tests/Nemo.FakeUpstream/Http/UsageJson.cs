using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// Writes "usage":{prompt_tokens, completion_tokens, total_tokens}, or a hostile variant; with cache or reasoning
/// counts, also OpenAI's prompt_tokens_details {cached_tokens, audio_tokens} and completion_tokens_details
/// {reasoning_tokens, audio_tokens, accepted_prediction_tokens, rejected_prediction_tokens}.
/// </summary>
internal static class UsageJson
{
    /// <param name="literal">For bad_usage: a raw JSON value written for both counts (3.5, -1, 1e12, "\"5\""),
    /// or "dup" to write each count twice.</param>
    public static void Write(Utf8JsonWriter json, int promptTokens, int completionTokens, string? literal = null, UsageDetails details = default)
    {
        json.WriteStartObject("usage");
        if (literal == "dup")
        {
            json.WriteNumber("prompt_tokens", promptTokens);
            json.WriteNumber("prompt_tokens", promptTokens);
            json.WriteNumber("completion_tokens", completionTokens);
            json.WriteNumber("completion_tokens", completionTokens);
        }
        else if (literal is not null)
        {
            json.WritePropertyName("prompt_tokens");
            json.WriteRawValue(literal);
            json.WritePropertyName("completion_tokens");
            json.WriteRawValue(literal);
        }
        else
        {
            json.WriteNumber("prompt_tokens", promptTokens);
            json.WriteNumber("completion_tokens", completionTokens);
            json.WriteNumber("total_tokens", (long)promptTokens + completionTokens);
            if (details.CachedTokens is { } cached)
            {
                json.WriteStartObject("prompt_tokens_details");
                json.WriteNumber("cached_tokens", cached);
                json.WriteNumber("audio_tokens", 0);
                json.WriteEndObject();
            }

            if (details.ReasoningTokens is { } reasoning)
            {
                json.WriteStartObject("completion_tokens_details");
                json.WriteNumber("reasoning_tokens", reasoning);
                json.WriteNumber("audio_tokens", 0);
                json.WriteNumber("accepted_prediction_tokens", 0);
                json.WriteNumber("rejected_prediction_tokens", 0);
                json.WriteEndObject();
            }
        }

        json.WriteEndObject();
    }
}

/// <summary>The cache-read and reasoning counts a chat usage reports (the <c>cached_tokens</c> / <c>reasoning_tokens</c> knobs), when set.</summary>
internal readonly record struct UsageDetails(int? CachedTokens, int? ReasoningTokens)
{
    public static UsageDetails From(FakeRequestSettings settings) => new(settings.CachedTokens, settings.ReasoningTokens);
}
