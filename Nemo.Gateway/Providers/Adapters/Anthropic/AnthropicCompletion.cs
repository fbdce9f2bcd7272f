using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// An Anthropic message as an OpenAI <c>chat.completion</c>: text blocks joined into <c>content</c>,
/// <c>tool_use</c> blocks as <c>tool_calls</c> (arguments are the JSON text of the input), thinking
/// blocks as <c>reasoning_content</c>, the stop reason as a finish reason and the usage by
/// <see cref="AnthropicUsage"/>'s convention.
/// </summary>
internal static class AnthropicCompletion
{
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The completion, or null when the body is not an Anthropic message (the proxy then answers 502, nothing billed).</summary>
    public static byte[]? Translate(ReadOnlySpan<byte> body, long created)
    {
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return null;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.Array)
                return null;
            try
            {
                return Write(root, content, created);
            }
            catch (InvalidOperationException)
            {
                return null; // a string that is not valid Unicode text
            }
        }
    }

    private static byte[] Write(JsonElement root, JsonElement content, long created)
    {
        var text = new StringBuilder();
        var reasoning = new StringBuilder();
        int calls = 0;
        foreach (JsonElement block in content.EnumerateArray())
        {
            switch (AnthropicContent.TypeOf(block))
            {
                case "text" when block.TryGetProperty("text", out JsonElement t) && t.ValueKind == JsonValueKind.String:
                    text.Append(t.GetString());
                    break;
                case "thinking" when block.TryGetProperty("thinking", out JsonElement t) && t.ValueKind == JsonValueKind.String:
                    reasoning.Append(t.GetString());
                    break;
                case "tool_use":
                    calls++;
                    break;
            }
        }
        var usage = new AnthropicUsage();
        usage.Update(root.TryGetProperty("usage", out JsonElement u) ? u : default);
        string? stop = root.TryGetProperty("stop_reason", out JsonElement s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null;

        var buffer = new ArrayBufferWriter<byte>(text.Length + 512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("id", Text(root, "id") ?? "msg_unknown");
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", created);
            writer.WriteString("model", Text(root, "model") ?? "");
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            if (text.Length > 0 || calls == 0)
                writer.WriteString("content", text.ToString());
            else
                writer.WriteNull("content");
            if (reasoning.Length > 0)
                writer.WriteString("reasoning_content", reasoning.ToString());
            if (calls > 0)
            {
                writer.WriteStartArray("tool_calls");
                foreach (JsonElement block in content.EnumerateArray())
                {
                    if (AnthropicContent.TypeOf(block) == "tool_use")
                        WriteToolCall(writer, block);
                }
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            if (AnthropicStopReasons.ToFinishReason(stop) is { } finish) writer.WriteString("finish_reason", finish); else writer.WriteNull("finish_reason");
            writer.WriteEndObject();
            writer.WriteEndArray();
            if (usage.IsReadable)
                usage.Write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteToolCall(Utf8JsonWriter writer, JsonElement block)
    {
        writer.WriteStartObject();
        writer.WriteString("id", Text(block, "id") ?? "");
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", Text(block, "name") ?? "");
        writer.WriteString("arguments", block.TryGetProperty("input", out JsonElement input) && input.ValueKind == JsonValueKind.Object ? input.GetRawText() : "{}");
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    internal static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
