using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Nemo.Gateway.Translation;

/// <summary>
/// What every dialect's stream translation does with a relayed <c>data:</c> payload: <c>[DONE]</c> ends
/// the stream; a payload that is not a JSON object carries nothing to translate and is skipped (it was not
/// counted as output either); Nemo's own error event is an error; a chunk's usage, first choice's finish
/// reason and delta are handed to the dialect, which writes its events with <see cref="WriteEvent"/>.
/// </summary>
internal abstract class ChunkTranslator : IStreamTranslator
{
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (data.SequenceEqual("[DONE]"u8))
        {
            OnDone(output);
            return;
        }
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(data);
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException)
        {
            return;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return;
            if (root.TryGetProperty("error", out JsonElement error) && error.ValueKind == JsonValueKind.Object)
            {
                OnError(error, data, output);
                return;
            }
            OnChunk(output);
            if (root.TryGetProperty("usage", out JsonElement usage) && usage.ValueKind == JsonValueKind.Object)
                OnUsage(usage);
            if (!root.TryGetProperty("choices", out JsonElement choices) || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0
                || choices[0] is not { ValueKind: JsonValueKind.Object } choice)
                return;
            if (choice.TryGetProperty("finish_reason", out JsonElement finish) && finish.ValueKind == JsonValueKind.String)
                OnFinishReason(finish.GetString()!);
            if (choice.TryGetProperty("delta", out JsonElement delta) && delta.ValueKind == JsonValueKind.Object)
                OnDelta(delta, output);
        }
    }

    /// <summary>The stream is complete (<c>[DONE]</c>).</summary>
    protected abstract void OnDone(IBufferWriter<byte> output);

    /// <summary>Nemo's error event: <paramref name="error"/> is its <c>error</c> object, <paramref name="data"/> the whole payload.</summary>
    protected abstract void OnError(JsonElement error, ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>Any chunk, before its parts.</summary>
    protected abstract void OnChunk(IBufferWriter<byte> output);

    protected abstract void OnUsage(JsonElement usage);

    protected abstract void OnFinishReason(string finishReason);

    protected abstract void OnDelta(JsonElement delta, IBufferWriter<byte> output);

    /// <summary>One server-sent event: <c>event: {name}</c>, <c>data: {json}</c>.</summary>
    protected static void WriteEvent(IBufferWriter<byte> output, string name, ReadOnlySpan<byte> json)
    {
        output.Write(Encoding.UTF8.GetBytes($"event: {name}\ndata: "));
        output.Write(json);
        output.Write("\n\n"u8);
    }
}
