using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// An OpenAI chat completion (already validated JSON, already billed) as an Anthropic message: the first
/// choice's text and tool calls become content blocks, the finish reason a stop reason, the usage
/// Anthropic's input/output tokens (cached prompt tokens, when the provider reports them, as cache reads).
/// </summary>
internal static class MessagesResponse
{
    public static byte[] Translate(ReadOnlySpan<byte> completion, string requestId, string model)
    {
        using JsonDocument document = Parse(completion);
        JsonElement root = document.RootElement;
        JsonElement message = default;
        string? finish = null;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("choices", out JsonElement choices)
            && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            JsonElement first = choices[0];
            if (first.ValueKind == JsonValueKind.Object)
            {
                first.TryGetProperty("message", out message);
                finish = first.TryGetProperty("finish_reason", out JsonElement f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            }
        }
        var buffer = new ArrayBufferWriter<byte>(completion.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", "msg_" + requestId.Replace("-", "", StringComparison.Ordinal));
            writer.WriteString("type", "message");
            writer.WriteString("role", "assistant");
            writer.WriteString("model", model);
            writer.WriteStartArray("content");
            if (message.ValueKind == JsonValueKind.Object)
            {
                if (message.TryGetProperty("content", out JsonElement text) && text.ValueKind == JsonValueKind.String && text.GetString() is { Length: > 0 } content)
                {
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", content);
                    writer.WriteEndObject();
                }
                if (message.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement call in calls.EnumerateArray())
                        WriteToolUse(writer, call);
                }
            }
            writer.WriteEndArray();
            if (StopReasons.From(finish) is { } stop) writer.WriteString("stop_reason", stop); else writer.WriteNull("stop_reason");
            writer.WriteNull("stop_sequence");
            writer.WritePropertyName("usage");
            WriteUsage(writer, root.ValueKind == JsonValueKind.Object && root.TryGetProperty("usage", out JsonElement usage) ? usage : default, outputOnly: false);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Anthropic's usage object from OpenAI's (see <see cref="CompletionUsage"/>).</summary>
    public static void WriteUsage(Utf8JsonWriter writer, JsonElement usage, bool outputOnly)
    {
        CompletionUsage figures = CompletionUsage.Read(usage);
        writer.WriteStartObject();
        if (!outputOnly || figures.Prompt > 0)
        {
            // Anthropic counts cache reads and writes beside input_tokens, not inside it.
            writer.WriteNumber("input_tokens", figures.Prompt - figures.CachedPrompt - figures.CacheWrite);
            writer.WriteNumber("cache_read_input_tokens", figures.CachedPrompt);
            writer.WriteNumber("cache_creation_input_tokens", figures.CacheWrite);
        }
        writer.WriteNumber("output_tokens", figures.Completion);
        writer.WriteEndObject();
    }

    /// <summary>A tool call as a tool_use block; arguments that are not a JSON object are kept under "arguments".</summary>
    public static void WriteToolUse(Utf8JsonWriter writer, JsonElement call)
    {
        if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
            return;
        writer.WriteStartObject();
        writer.WriteString("type", "tool_use");
        writer.WriteString("id", call.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String ? id.GetString() : "toolu_unknown");
        writer.WriteString("name", function.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String ? name.GetString() : "");
        writer.WritePropertyName("input");
        string arguments = function.TryGetProperty("arguments", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "{}";
        WriteInput(writer, arguments);
        writer.WriteEndObject();
    }

    public static void WriteInput(Utf8JsonWriter writer, string arguments)
    {
        try
        {
            using JsonDocument parsed = JsonDocument.Parse(arguments.Length == 0 ? "{}" : arguments);
            if (parsed.RootElement.ValueKind == JsonValueKind.Object)
            {
                parsed.RootElement.WriteTo(writer);
                return;
            }
        }
        catch (JsonException)
        {
        }
        writer.WriteStartObject();
        writer.WriteString("arguments", arguments);
        writer.WriteEndObject();
    }

    private static JsonDocument Parse(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return JsonDocument.ParseValue(ref reader);
    }
}
