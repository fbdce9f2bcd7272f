using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>
/// Chat-completion chunks as the Responses API's stream: <c>response.created</c> and
/// <c>response.in_progress</c>; for the text, <c>response.output_item.added</c>,
/// <c>response.content_part.added</c>, <c>response.output_text.delta</c>… and their <c>.done</c> events;
/// for each function call, <c>response.output_item.added</c>, <c>response.function_call_arguments.delta</c>…
/// and <c>.done</c>; at <c>[DONE]</c>, <c>response.completed</c> (or <c>response.incomplete</c>) with the
/// whole response and its usage. Every event carries its <c>sequence_number</c>. Nemo's error event becomes
/// an <c>error</c> event. Chunks that are not JSON objects carry nothing and are skipped.
/// </summary>
internal sealed class ResponsesStream(ResponseDraft draft) : ChunkTranslator
{
    private int _sequence;
    private bool _started;
    private int _outputIndex = -1;
    private bool _messageOpen;
    private ResponseDraft.FunctionCall? _openCall;
    private readonly Dictionary<int, ResponseDraft.FunctionCall> _callsByIndex = [];

    protected override void OnDone(IBufferWriter<byte> output) => Finish(output);

    protected override void OnError(JsonElement error, ReadOnlySpan<byte> data, IBufferWriter<byte> output) =>
        Event(output, "error", w =>
        {
            w.WriteString("code", ResponsesInput.Text(error, "code"));
            w.WriteString("message", ResponsesInput.Text(error, "message") ?? "The response failed.");
            w.WriteNull("param");
        });

    protected override void OnChunk(IBufferWriter<byte> output) => Start(output);

    protected override void OnUsage(JsonElement usage) => draft.Usage = CompletionUsage.Read(usage);

    protected override void OnFinishReason(string finishReason) => draft.FinishReason = finishReason;

    protected override void OnDelta(JsonElement delta, IBufferWriter<byte> output)
    {
        if (ResponsesInput.Text(delta, "content") is { Length: > 0 } text)
            TextDelta(output, text);
        if (delta.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement call in calls.EnumerateArray())
                CallDelta(output, call);
        }
    }

    private void TextDelta(IBufferWriter<byte> output, string text)
    {
        if (!_messageOpen)
        {
            if (draft.HasMessage)
                return; // text after a function call: the message item is done and can't reopen
            CloseCall(output);
            _messageOpen = true;
            draft.HasMessage = true;
            int index = ++_outputIndex;
            Event(output, "response.output_item.added", w =>
            {
                w.WriteNumber("output_index", index);
                w.WritePropertyName("item");
                draft.WriteMessageItem(w, "in_progress", withText: false);
            });
            Event(output, "response.content_part.added", w =>
            {
                WritePosition(w);
                w.WritePropertyName("part");
                ResponseDraft.WriteTextPart(w, "");
            });
        }
        draft.Text.Append(text);
        Event(output, "response.output_text.delta", w =>
        {
            WritePosition(w);
            w.WriteString("delta", text);
            w.WriteStartArray("logprobs");
            w.WriteEndArray();
        });
    }

    private void CallDelta(IBufferWriter<byte> output, JsonElement call)
    {
        if (call.ValueKind != JsonValueKind.Object)
            return;
        int index = call.TryGetProperty("index", out JsonElement i) && i.ValueKind == JsonValueKind.Number && i.TryGetInt32(out int n) ? n : 0;
        JsonElement function = call.TryGetProperty("function", out JsonElement f) && f.ValueKind == JsonValueKind.Object ? f : default;
        if (!_callsByIndex.TryGetValue(index, out ResponseDraft.FunctionCall? current))
        {
            CloseMessage(output);
            CloseCall(output);
            current = new ResponseDraft.FunctionCall(ResponsesInput.Text(call, "id") ?? $"call_{draft.Id}_{index}", ResponsesInput.Text(function, "name") ?? "");
            _callsByIndex[index] = current;
            draft.Calls.Add(current);
            _openCall = current;
            int outputIndex = ++_outputIndex;
            ResponseDraft.FunctionCall added = current;
            Event(output, "response.output_item.added", w =>
            {
                w.WriteNumber("output_index", outputIndex);
                w.WritePropertyName("item");
                ResponseDraft.WriteCallItem(w, added, "in_progress");
            });
        }
        if (!ReferenceEquals(current, _openCall) || ResponsesInput.Text(function, "arguments") is not { Length: > 0 } partial)
            return;
        current.Arguments.Append(partial);
        string itemId = current.ItemId;
        int at = _outputIndex;
        Event(output, "response.function_call_arguments.delta", w =>
        {
            w.WriteString("item_id", itemId);
            w.WriteNumber("output_index", at);
            w.WriteString("delta", partial);
        });
    }

    private void CloseMessage(IBufferWriter<byte> output)
    {
        if (!_messageOpen)
            return;
        _messageOpen = false;
        string text = draft.Text.ToString();
        Event(output, "response.output_text.done", w =>
        {
            WritePosition(w);
            w.WriteString("text", text);
            w.WriteStartArray("logprobs");
            w.WriteEndArray();
        });
        Event(output, "response.content_part.done", w =>
        {
            WritePosition(w);
            w.WritePropertyName("part");
            ResponseDraft.WriteTextPart(w, text);
        });
        int index = _outputIndex;
        Event(output, "response.output_item.done", w =>
        {
            w.WriteNumber("output_index", index);
            w.WritePropertyName("item");
            draft.WriteMessageItem(w, "completed");
        });
    }

    private void CloseCall(IBufferWriter<byte> output)
    {
        if (_openCall is not { } call)
            return;
        _openCall = null;
        int index = _outputIndex;
        Event(output, "response.function_call_arguments.done", w =>
        {
            w.WriteString("item_id", call.ItemId);
            w.WriteNumber("output_index", index);
            w.WriteString("arguments", call.Arguments.ToString());
        });
        Event(output, "response.output_item.done", w =>
        {
            w.WriteNumber("output_index", index);
            w.WritePropertyName("item");
            ResponseDraft.WriteCallItem(w, call, "completed");
        });
    }

    private void Start(IBufferWriter<byte> output)
    {
        if (_started)
            return;
        _started = true;
        Event(output, "response.created", w => ResponseProperty(w, "in_progress"));
        Event(output, "response.in_progress", w => ResponseProperty(w, "in_progress"));
    }

    private void Finish(IBufferWriter<byte> output)
    {
        Start(output);
        CloseMessage(output);
        CloseCall(output);
        string status = draft.FinalStatus;
        Event(output, status == "completed" ? "response.completed" : "response.incomplete", w => ResponseProperty(w, status));
    }

    private void ResponseProperty(Utf8JsonWriter w, string status)
    {
        w.WritePropertyName("response");
        draft.WriteResponse(w, status);
    }

    private void WritePosition(Utf8JsonWriter w)
    {
        w.WriteString("item_id", draft.MessageId);
        w.WriteNumber("output_index", _outputIndex);
        w.WriteNumber("content_index", 0);
    }

    private void Event(IBufferWriter<byte> output, string type, Action<Utf8JsonWriter> body)
    {
        var json = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(json))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteNumber("sequence_number", _sequence++);
            body(writer);
            writer.WriteEndObject();
        }
        WriteEvent(output, type, json.WrittenSpan);
    }
}
