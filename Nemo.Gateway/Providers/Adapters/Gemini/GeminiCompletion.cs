using System.Buffers;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// A whole <c>GenerateContentResponse</c> as an OpenAI <c>chat.completion</c>: the first candidate's text
/// as the message content (null when it only called functions), its function calls as <c>tool_calls</c>,
/// its finish reason mapped, and the usage (<see cref="GeminiUsage"/>). A blocked prompt is a completion
/// with empty content and finish_reason content_filter, billed as Gemini reports it.
/// </summary>
internal static class GeminiCompletion
{
    /// <summary>The completion, or null when the body is not a JSON object Gemini could have sent (the proxy then answers 502, nothing charged).</summary>
    public static byte[]? Translate(ReadOnlySpan<byte> body, string model, TimeProvider time)
    {
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            GeminiReply reply = GeminiReply.Read(document.RootElement);
            return Write(reply, model, time);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private static byte[] Write(GeminiReply reply, string model, TimeProvider time)
    {
        string id = GeminiIds.Completion(reply.ResponseId);
        var buffer = new ArrayBufferWriter<byte>(512 + reply.Text.Length);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", id);
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", time.GetUtcNow().ToUnixTimeSeconds());
            writer.WriteString("model", reply.ModelVersion ?? model);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            if (reply.Text.Length == 0 && reply.Calls.Count > 0)
                writer.WriteNull("content");
            else
                writer.WriteString("content", reply.Text);
            writer.WriteNull("refusal");
            if (reply.Calls.Count > 0)
            {
                writer.WriteStartArray("tool_calls");
                for (int i = 0; i < reply.Calls.Count; i++)
                    GeminiChunks.WriteToolCall(writer, reply.Calls[i], GeminiIds.ToolCall(id, i, reply.Calls[i].Id), index: null);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", reply.OpenAIFinishReason(reply.Calls.Count > 0));
            writer.WriteEndObject();
            writer.WriteEndArray();
            reply.Usage?.Write(writer);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
