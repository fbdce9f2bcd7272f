using System.Buffers;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// Anthropic's stream events, one at a time, as OpenAI <c>chat.completion.chunk</c> events:
/// <c>message_start</c> gives the role chunk; text, <c>input_json_delta</c> and thinking deltas give
/// content, tool-call (index, id and name first, then argument fragments) and <c>reasoning_content</c>
/// deltas; <c>message_delta</c> gives the finish chunk; <c>message_stop</c> gives the usage chunk
/// (<c>"choices":[]</c>, figures by <see cref="AnthropicUsage"/>) and <c>data: [DONE]</c>. Usage is held
/// until <c>message_stop</c> because Nemo's relay takes the usage chunk as the end of a complete
/// response. An <c>error</c> event, or data that is not JSON, ends the translation without [DONE], so the
/// relay treats the response as cut and bills only what was delivered.
/// </summary>
internal sealed class AnthropicEventTranslator(long created)
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();
    private static readonly byte[] Done = "data: [DONE]\n\n"u8.ToArray();

    private readonly Dictionary<long, int> _toolIndexes = [];
    private string _id = "msg_unknown";
    private string _model = "";
    private AnthropicUsage _usage;
    private bool _failed;

    /// <summary>True once <c>message_stop</c> was translated (the stream is complete).</summary>
    public bool Completed { get; private set; }

    /// <summary>Translates one event's data into <paramref name="output"/>; false when the stream ends here (complete or failed).</summary>
    public bool Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (Completed || _failed)
            return false;
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(data, new JsonReaderOptions { MaxDepth = 256 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            _failed = true;
            return false;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            string? type = AnthropicContent.TypeOf(root);
            try
            {
                switch (type)
                {
                    case "message_start":
                        Start(root, output);
                        break;
                    case "content_block_start":
                        BlockStart(root, output);
                        break;
                    case "content_block_delta":
                        BlockDelta(root, output);
                        break;
                    case "message_delta":
                        MessageDelta(root, output);
                        break;
                    case "message_stop":
                        Stop(output);
                        return false;
                    case "error" or null:
                        _failed = true;
                        return false;
                    default:
                        break; // ping, content_block_stop, and event types added later
                }
            }
            catch (InvalidOperationException)
            {
                _failed = true; // a string that is not valid Unicode text
                return false;
            }
        }
        return true;
    }

    private void Start(JsonElement root, IBufferWriter<byte> output)
    {
        if (root.TryGetProperty("message", out JsonElement message) && message.ValueKind == JsonValueKind.Object)
        {
            _id = AnthropicCompletion.Text(message, "id") ?? _id;
            _model = AnthropicCompletion.Text(message, "model") ?? _model;
            if (message.TryGetProperty("usage", out JsonElement usage))
                _usage.Update(usage);
        }
        Chunk(output, static (w, _) =>
        {
            w.WriteString("role", "assistant");
            w.WriteString("content", "");
        }, default(JsonElement));
    }

    private void BlockStart(JsonElement root, IBufferWriter<byte> output)
    {
        if (!root.TryGetProperty("content_block", out JsonElement block) || block.ValueKind != JsonValueKind.Object)
            return;
        switch (AnthropicContent.TypeOf(block))
        {
            case "text" when block.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String && text.GetString()!.Length > 0:
                Chunk(output, static (w, t) => Copy(w, "content", t), text);
                break;
            case "thinking" when block.TryGetProperty("thinking", out JsonElement thinking) && thinking.ValueKind == JsonValueKind.String && thinking.GetString()!.Length > 0:
                Chunk(output, static (w, t) => Copy(w, "reasoning_content", t), thinking);
                break;
            case "tool_use":
                int index = _toolIndexes.Count;
                _toolIndexes[BlockIndex(root)] = index;
                Chunk(output, (w, b) =>
                {
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteString("id", AnthropicCompletion.Text(b, "id") ?? "");
                    w.WriteString("type", "function");
                    w.WriteStartObject("function");
                    w.WriteString("name", AnthropicCompletion.Text(b, "name") ?? "");
                    w.WriteString("arguments", "");
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }, block);
                break;
        }
    }

    private void BlockDelta(JsonElement root, IBufferWriter<byte> output)
    {
        if (!root.TryGetProperty("delta", out JsonElement delta) || delta.ValueKind != JsonValueKind.Object)
            return;
        switch (AnthropicContent.TypeOf(delta))
        {
            case "text_delta" when delta.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String:
                Chunk(output, static (w, t) => Copy(w, "content", t), text);
                break;
            case "thinking_delta" when delta.TryGetProperty("thinking", out JsonElement thinking) && thinking.ValueKind == JsonValueKind.String:
                Chunk(output, static (w, t) => Copy(w, "reasoning_content", t), thinking);
                break;
            case "input_json_delta" when delta.TryGetProperty("partial_json", out JsonElement part) && part.ValueKind == JsonValueKind.String
                && part.GetString()!.Length > 0 && _toolIndexes.TryGetValue(BlockIndex(root), out int index):
                Chunk(output, (w, p) =>
                {
                    w.WriteStartArray("tool_calls");
                    w.WriteStartObject();
                    w.WriteNumber("index", index);
                    w.WriteStartObject("function");
                    Copy(w, "arguments", p);
                    w.WriteEndObject();
                    w.WriteEndObject();
                    w.WriteEndArray();
                }, part);
                break;
        }
    }

    private void MessageDelta(JsonElement root, IBufferWriter<byte> output)
    {
        if (root.TryGetProperty("usage", out JsonElement usage))
            _usage.Update(usage);
        string? stop = root.TryGetProperty("delta", out JsonElement delta) && delta.ValueKind == JsonValueKind.Object ? AnthropicCompletion.Text(delta, "stop_reason") : null;
        if (AnthropicStopReasons.ToFinishReason(stop) is not { } finish)
            return;
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, AnthropicCompletion.WriterOptions))
        {
            WriteHead(writer);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            writer.WriteEndObject();
            writer.WriteString("finish_reason", finish);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        WriteEvent(output, buffer.WrittenSpan);
    }

    private void Stop(IBufferWriter<byte> output)
    {
        Completed = true;
        if (_usage.IsReadable)
        {
            var buffer = new ArrayBufferWriter<byte>(256);
            using (var writer = new Utf8JsonWriter(buffer, AnthropicCompletion.WriterOptions))
            {
                WriteHead(writer);
                writer.WriteStartArray("choices");
                writer.WriteEndArray();
                _usage.Write(writer);
                writer.WriteEndObject();
            }
            WriteEvent(output, buffer.WrittenSpan);
        }
        output.Write(Done);
    }

    /// <summary>A chunk whose first choice's delta is written by <paramref name="delta"/>.</summary>
    private void Chunk(IBufferWriter<byte> output, Action<Utf8JsonWriter, JsonElement> delta, JsonElement state)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, AnthropicCompletion.WriterOptions))
        {
            WriteHead(writer);
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("delta");
            delta(writer, state);
            writer.WriteEndObject();
            writer.WriteNull("finish_reason");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        WriteEvent(output, buffer.WrittenSpan);
    }

    private void WriteHead(Utf8JsonWriter writer)
    {
        writer.WriteStartObject();
        writer.WriteString("id", _id);
        writer.WriteString("object", "chat.completion.chunk");
        writer.WriteNumber("created", created);
        writer.WriteString("model", _model);
    }

    private static void WriteEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> json)
    {
        output.Write(DataPrefix);
        output.Write(json);
        output.Write(EventEnd);
    }

    private static void Copy(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        value.WriteTo(writer);
    }

    private static long BlockIndex(JsonElement root) =>
        root.TryGetProperty("index", out JsonElement index) && index.ValueKind == JsonValueKind.Number && index.TryGetInt64(out long i) ? i : -1;
}
