using System.Buffers;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// A Gemini event stream (<c>streamGenerateContent?alt=sse</c>: one <c>GenerateContentResponse</c> per
/// event, no <c>[DONE]</c>) as OpenAI <c>chat.completion.chunk</c> events, one source event at a time:
/// a role chunk first, then per event a content delta, a tool_calls delta (Gemini sends each call whole)
/// and, once a finish reason arrives, the finish chunk. At the end of the body, and only if a finish reason
/// arrived, the usage chunk (<c>"choices":[]</c>, from the last usageMetadata) and <c>data: [DONE]</c>.
/// A body that ends without a finish reason, or an error event, ends the translation without them, so
/// Nemo's relay treats the stream as cut and bills only what was delivered.
/// </summary>
internal sealed class GeminiChunks(string model, TimeProvider time)
{
    private readonly long _created = time.GetUtcNow().ToUnixTimeSeconds();
    private string? _id;
    private string? _model;
    private bool _started;
    private bool _finished;
    private int _calls;
    private GeminiUsage? _usage;

    /// <summary>Translates one event's data into <paramref name="output"/>; false when the stream must end here as cut (an error event, unusable data).</summary>
    public bool Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        GeminiReply reply;
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 256 });
            using JsonDocument document = JsonDocument.ParseValue(ref reader);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || root.TryGetProperty("error", out _))
                return false;
            reply = GeminiReply.Read(root);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
        _id ??= GeminiIds.Completion(reply.ResponseId);
        _model ??= reply.ModelVersion ?? model;
        if (reply.Usage is { } usage)
            _usage = usage;
        if (!_started)
        {
            WriteChunk(output, w =>
            {
                w.WriteString("role", "assistant");
                w.WriteString("content", "");
            }, null);
            _started = true;
        }
        if (_finished)
            return true; // after the finish chunk only the usage matters
        if (reply.Text.Length > 0)
            WriteChunk(output, w => w.WriteString("content", reply.Text), null);
        if (reply.Calls.Count > 0)
        {
            int first = _calls;
            WriteChunk(output, w =>
            {
                w.WriteStartArray("tool_calls");
                for (int i = 0; i < reply.Calls.Count; i++)
                    WriteToolCall(w, reply.Calls[i], GeminiIds.ToolCall(_id, first + i, reply.Calls[i].Id), first + i);
                w.WriteEndArray();
            }, null);
            _calls += reply.Calls.Count;
        }
        if (reply.Finished)
        {
            WriteChunk(output, _ => { }, reply.OpenAIFinishReason(_calls > 0));
            _finished = true;
        }
        return true;
    }

    /// <summary>The end of the body: the usage chunk and [DONE] if the answer finished; nothing (a cut) otherwise.</summary>
    public void Complete(IBufferWriter<byte> output)
    {
        if (!_finished)
            return;
        if (_usage is { } usage)
        {
            Event(output, w =>
            {
                WriteHead(w);
                w.WriteStartArray("choices");
                w.WriteEndArray();
                usage.Write(w);
            });
        }
        output.Write("data: [DONE]\n\n"u8);
    }

    /// <summary>One tool call: <c>{["index",] "id", "type", "function": {"name", "arguments"}}</c>.</summary>
    public static void WriteToolCall(Utf8JsonWriter writer, GeminiFunctionCall call, string id, int? index)
    {
        writer.WriteStartObject();
        if (index is { } i)
            writer.WriteNumber("index", i);
        writer.WriteString("id", id);
        writer.WriteString("type", "function");
        writer.WriteStartObject("function");
        writer.WriteString("name", call.Name);
        writer.WriteString("arguments", call.Arguments);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private void WriteChunk(IBufferWriter<byte> output, Action<Utf8JsonWriter> delta, string? finishReason) => Event(output, w =>
    {
        WriteHead(w);
        w.WriteStartArray("choices");
        w.WriteStartObject();
        w.WriteNumber("index", 0);
        w.WriteStartObject("delta");
        delta(w);
        w.WriteEndObject();
        w.WriteNull("logprobs");
        if (finishReason is null)
            w.WriteNull("finish_reason");
        else
            w.WriteString("finish_reason", finishReason);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    private void WriteHead(Utf8JsonWriter writer)
    {
        writer.WriteString("id", _id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", _created);
        writer.WriteString("model", _model);
    }

    private static void Event(IBufferWriter<byte> output, Action<Utf8JsonWriter> json)
    {
        output.Write("data: "u8);
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            json(writer);
            writer.WriteEndObject();
        }
        output.Write("\n\n"u8);
    }
}
