using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Writes "usage":{prompt_tokens, completion_tokens, total_tokens}, or a hostile variant.</summary>
internal static class UsageJson
{
    /// <param name="literal">For bad_usage: a raw JSON value written for both counts (3.5, -1, 1e12, "\"5\""),
    /// or "dup" to write each count twice.</param>
    public static void Write(Utf8JsonWriter json, int promptTokens, int completionTokens, string? literal = null)
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
        }

        json.WriteEndObject();
    }
}
