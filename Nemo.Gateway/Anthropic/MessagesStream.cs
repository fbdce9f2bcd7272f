using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// OpenAI chat-completion chunks, as Nemo's stream relay sends them, as Anthropic's stream events:
/// <c>message_start</c>, then per content block <c>content_block_start</c> / <c>_delta</c> (text_delta,
/// input_json_delta) / <c>_stop</c>, then at <c>[DONE]</c> <c>message_delta</c> (stop reason, usage) and
/// <c>message_stop</c>. Nemo's own error event becomes Anthropic's <c>error</c> event. A chunk that is not
/// a JSON object carries nothing to translate and is skipped (it was not counted as output either).
/// </summary>
internal sealed class MessagesStream(string requestId, string model) : ChunkTranslator
{
    private bool _started;
    private int _blocks;
    private int _openBlock = -1;
    private bool _openIsText;
    private readonly Dictionary<int, int> _toolBlocks = [];
    private string? _stopReason;
    private JsonElement _usage;

    protected override void OnDone(IBufferWriter<byte> output) => Finish(output);

    protected override void OnError(JsonElement error, ReadOnlySpan<byte> data, IBufferWriter<byte> output) =>
        WriteEvent(output, "error", AnthropicError.FromOpenAIBody(StatusOf(error), data).ToJson());

    protected override void OnChunk(IBufferWriter<byte> output) => Start(output);

    protected override void OnUsage(JsonElement usage) => _usage = usage.Clone();

    protected override void OnFinishReason(string finishReason) => _stopReason = StopReasons.From(finishReason);

    protected override void OnDelta(JsonElement delta, IBufferWriter<byte> output)
    {
        if (delta.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.String && content.GetString() is { Length: > 0 } text)
        {
            if (_openBlock < 0 || !_openIsText)
                OpenBlock(output, isText: true, w =>
                {
                    w.WriteString("type", "text");
                    w.WriteString("text", "");
                });
            Delta(output, w =>
            {
                w.WriteString("type", "text_delta");
                w.WriteString("text", text);
            });
        }
        if (delta.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement call in calls.EnumerateArray())
                ToolCall(output, call);
        }
    }

    private void ToolCall(IBufferWriter<byte> output, JsonElement call)
    {
        if (call.ValueKind != JsonValueKind.Object)
            return;
        int index = call.TryGetProperty("index", out JsonElement i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out int n) ? n : 0;
        JsonElement function = call.TryGetProperty("function", out JsonElement f) && f.ValueKind == JsonValueKind.Object ? f : default;
        if (!_toolBlocks.ContainsKey(index))
        {
            string id = call.TryGetProperty("id", out JsonElement callId) && callId.ValueKind == JsonValueKind.String ? callId.GetString()! : $"toolu_{requestId}_{index}";
            string name = function.ValueKind == JsonValueKind.Object && function.TryGetProperty("name", out JsonElement nm) && nm.ValueKind == JsonValueKind.String ? nm.GetString()! : "";
            OpenBlock(output, isText: false, w =>
            {
                w.WriteString("type", "tool_use");
                w.WriteString("id", id);
                w.WriteString("name", name);
                w.WriteStartObject("input");
                w.WriteEndObject();
            });
            _toolBlocks[index] = _openBlock;
        }
        if (_toolBlocks[index] != _openBlock)
            return; // arguments for a block already closed: Anthropic can't reopen it
        if (function.ValueKind == JsonValueKind.Object && function.TryGetProperty("arguments", out JsonElement arguments)
            && arguments.ValueKind == JsonValueKind.String && arguments.GetString() is { Length: > 0 } partial)
        {
            Delta(output, w =>
            {
                w.WriteString("type", "input_json_delta");
                w.WriteString("partial_json", partial);
            });
        }
    }

    private void Start(IBufferWriter<byte> output)
    {
        if (_started)
            return;
        _started = true;
        Event(output, "message_start", w =>
        {
            w.WriteString("type", "message_start");
            w.WriteStartObject("message");
            w.WriteString("id", "msg_" + requestId.Replace("-", "", StringComparison.Ordinal));
            w.WriteString("type", "message");
            w.WriteString("role", "assistant");
            w.WriteString("model", model);
            w.WriteStartArray("content");
            w.WriteEndArray();
            w.WriteNull("stop_reason");
            w.WriteNull("stop_sequence");
            w.WriteStartObject("usage");
            w.WriteNumber("input_tokens", 0);
            w.WriteNumber("output_tokens", 0);
            w.WriteEndObject();
            w.WriteEndObject();
        });
    }

    private void Finish(IBufferWriter<byte> output)
    {
        Start(output);
        CloseBlock(output);
        Event(output, "message_delta", w =>
        {
            w.WriteString("type", "message_delta");
            w.WriteStartObject("delta");
            if (_stopReason is null) w.WriteNull("stop_reason"); else w.WriteString("stop_reason", _stopReason);
            w.WriteNull("stop_sequence");
            w.WriteEndObject();
            w.WritePropertyName("usage");
            MessagesResponse.WriteUsage(w, _usage, outputOnly: true);
        });
        Event(output, "message_stop", w => w.WriteString("type", "message_stop"));
    }

    private void OpenBlock(IBufferWriter<byte> output, bool isText, Action<Utf8JsonWriter> block)
    {
        CloseBlock(output);
        _openBlock = _blocks++;
        _openIsText = isText;
        int index = _openBlock;
        Event(output, "content_block_start", w =>
        {
            w.WriteString("type", "content_block_start");
            w.WriteNumber("index", index);
            w.WriteStartObject("content_block");
            block(w);
            w.WriteEndObject();
        });
    }

    private void CloseBlock(IBufferWriter<byte> output)
    {
        if (_openBlock < 0)
            return;
        int index = _openBlock;
        _openBlock = -1;
        Event(output, "content_block_stop", w =>
        {
            w.WriteString("type", "content_block_stop");
            w.WriteNumber("index", index);
        });
    }

    private void Delta(IBufferWriter<byte> output, Action<Utf8JsonWriter> delta)
    {
        int index = _openBlock;
        Event(output, "content_block_delta", w =>
        {
            w.WriteString("type", "content_block_delta");
            w.WriteNumber("index", index);
            w.WriteStartObject("delta");
            delta(w);
            w.WriteEndObject();
        });
    }

    private static void Event(IBufferWriter<byte> output, string name, Action<Utf8JsonWriter> body)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }
        WriteEvent(output, name, json.WrittenSpan);
    }

    /// <summary>Nemo's stream error events carry no status: a settle that failed is 503, an upstream that broke off 502.</summary>
    private static int StatusOf(JsonElement error) =>
        error.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String && t.GetString() == "service_unavailable" ? 503 : 502;
}
