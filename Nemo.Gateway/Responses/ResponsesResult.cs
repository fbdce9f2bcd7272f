using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>A completed, billed chat completion as a Responses API response object.</summary>
internal static class ResponsesResult
{
    public static byte[] Translate(ReadOnlySpan<byte> completion, ResponseDraft draft)
    {
        var reader = new Utf8JsonReader(completion);
        using JsonDocument document = JsonDocument.ParseValue(ref reader);
        JsonElement root = document.RootElement;
        if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("choices", out JsonElement choices)
            && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0 && choices[0] is { ValueKind: JsonValueKind.Object } choice)
        {
            draft.FinishReason = ResponsesInput.Text(choice, "finish_reason");
            if (choice.TryGetProperty("message", out JsonElement message) && message.ValueKind == JsonValueKind.Object)
            {
                if (ResponsesInput.Text(message, "content") is { Length: > 0 } text)
                {
                    draft.HasMessage = true;
                    draft.Text.Append(text);
                }
                if (message.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement call in calls.EnumerateArray())
                    {
                        if (!call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
                            continue;
                        var added = new ResponseDraft.FunctionCall(ResponsesInput.Text(call, "id") ?? $"call_{draft.Calls.Count}", ResponsesInput.Text(function, "name") ?? "");
                        added.Arguments.Append(ResponsesInput.Text(function, "arguments") ?? "");
                        draft.Calls.Add(added);
                    }
                }
            }
        }
        draft.Usage = CompletionUsage.Read(root.ValueKind == JsonValueKind.Object && root.TryGetProperty("usage", out JsonElement usage) ? usage : default);
        var buffer = new ArrayBufferWriter<byte>(completion.Length + 1024);
        using (var writer = new Utf8JsonWriter(buffer))
            draft.WriteResponse(writer, draft.FinalStatus);
        return buffer.WrittenSpan.ToArray();
    }
}
