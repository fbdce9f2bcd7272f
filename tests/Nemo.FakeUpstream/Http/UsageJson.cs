using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Writes "usage":{prompt_tokens, completion_tokens, total_tokens}.</summary>
internal static class UsageJson
{
    public static void Write(Utf8JsonWriter json, int promptTokens, int completionTokens)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", promptTokens);
        json.WriteNumber("completion_tokens", completionTokens);
        json.WriteNumber("total_tokens", (long)promptTokens + completionTokens);
        json.WriteEndObject();
    }
}
