using System.Buffers;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// Gemini's error body <c>{"error":{"code","message","status","details"}}</c> in OpenAI's shape, which
/// Nemo's proxy passes on for a 4xx (a 5xx becomes its own 502): the provider's message, type
/// rate_limit_error for a 429 and invalid_request_error otherwise, and the status in lower case as the
/// code (invalid_argument, resource_exhausted, not_found…). Gemini refuses a bad API key with a 400 whose
/// details name API_KEY_INVALID: that is Nemo's credential, not the client's mistake, so the message says
/// so instead of passing Gemini's on (the status can't change once the headers are in: see decision 0022).
/// </summary>
internal static class GeminiError
{
    /// <summary>The OpenAI-shaped body, or null when the body is no Gemini error (the proxy then answers with its own message).</summary>
    public static byte[]? Translate(ReadOnlySpan<byte> body, int status)
    {
        string message, code;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 64 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("error", out JsonElement error)
                || error.ValueKind != JsonValueKind.Object)
                return null;
            message = error.TryGetProperty("message", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : $"The upstream provider refused the request with status {status}.";
            code = error.TryGetProperty("status", out JsonElement s) && s.ValueKind == JsonValueKind.String && s.GetString() is { Length: > 0 and <= 64 } text
                && text.All(c => char.IsAsciiLetter(c) || c == '_')
                ? text.ToLowerInvariant()
                : "upstream_error";
            if (IsKeyInvalid(error))
                return Write("The upstream provider refused Nemo's credentials (API_KEY_INVALID). Nothing was charged.", "upstream_error", "upstream_auth_failed");
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
        return Write(message, status == 429 ? "rate_limit_error" : "invalid_request_error", code);
    }

    private static bool IsKeyInvalid(JsonElement error) =>
        error.TryGetProperty("details", out JsonElement details) && details.ValueKind == JsonValueKind.Array
        && details.EnumerateArray().Any(d => d.ValueKind == JsonValueKind.Object && d.TryGetProperty("reason", out JsonElement reason) && reason.ValueEquals("API_KEY_INVALID"));

    private static byte[] Write(string message, string type, string code)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + message.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            writer.WriteString("type", type);
            writer.WriteString("code", code);
            writer.WriteNull("param");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
