using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Responses;

/// <summary>
/// The items of a Responses <c>input</c> list as chat messages: messages (roles user, system, developer
/// — as system — and assistant; parts <c>input_text</c>, <c>input_image</c> by URL, and an assistant's
/// <c>output_text</c> / <c>refusal</c>), consecutive <c>function_call</c> items as one assistant message
/// with tool calls, <c>function_call_output</c> items as tool messages. <c>reasoning</c> items of earlier
/// turns are dropped; files and other item types are refused.
/// </summary>
internal static class ResponsesInput
{
    public static bool TryWrite(JsonElement items, Utf8JsonWriter writer, out OpenAIError error)
    {
        var calls = new List<JsonElement>();
        int index = 0;
        foreach (JsonElement item in items.EnumerateArray())
        {
            string at = $"input[{index++}]";
            if (item.ValueKind != JsonValueKind.Object)
                return ResponsesRequest.Fail($"{at} must be an object.", "input", out error);
            string? type = Text(item, "type");
            if (type == "function_call")
            {
                if (Text(item, "call_id") is null || Text(item, "name") is null)
                    return ResponsesRequest.Fail($"{at}: a function_call item needs call_id and name.", "input", out error);
                calls.Add(item);
                continue;
            }
            FlushCalls(calls, writer);
            switch (type)
            {
                case null or "message":
                    if (!TryWriteMessage(item, at, writer, out error))
                        return false;
                    break;
                case "function_call_output":
                    if (Text(item, "call_id") is not { } callId || !item.TryGetProperty("output", out JsonElement output))
                        return ResponsesRequest.Fail($"{at}: a function_call_output item needs call_id and output.", "input", out error);
                    writer.WriteStartObject();
                    writer.WriteString("role", "tool");
                    writer.WriteString("tool_call_id", callId);
                    writer.WriteString("content", output.ValueKind == JsonValueKind.String ? output.GetString() : output.GetRawText());
                    writer.WriteEndObject();
                    break;
                case "reasoning":
                    break;
                default:
                    return ResponsesRequest.Fail($"{at}: items of type '{Anthropic.MessagesRequest.Shown(type)}' are not supported by Nemo (message, function_call, function_call_output are).", "input", out error);
            }
        }
        FlushCalls(calls, writer);
        error = default;
        return true;
    }

    private static bool TryWriteMessage(JsonElement item, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        string? role = Text(item, "role");
        if (role is not ("user" or "system" or "developer" or "assistant"))
            return ResponsesRequest.Fail($"{at}.role must be user, system, developer or assistant.", "input", out error);
        if (!item.TryGetProperty("content", out JsonElement content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            return ResponsesRequest.Fail($"{at}.content must be a string or a list of parts.", "input", out error);
        writer.WriteStartObject();
        writer.WriteString("role", role == "developer" ? "system" : role);
        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteString("content", content.GetString());
            writer.WriteEndObject();
            error = default;
            return true;
        }
        bool textOnly = role != "user";
        if (textOnly)
        {
            var joined = new System.Text.StringBuilder();
            int p = 0;
            foreach (JsonElement part in content.EnumerateArray())
            {
                if (Text(part, "type") is not ("input_text" or "output_text" or "refusal" or "text") || (Text(part, "text") ?? Text(part, "refusal")) is not { } text)
                    return ResponsesRequest.Fail($"{at}.content[{p}]: a {role} message takes text parts only.", "input", out error);
                joined.Append(text);
                p++;
            }
            writer.WriteString("content", joined.ToString());
            writer.WriteEndObject();
            error = default;
            return true;
        }
        writer.WriteStartArray("content");
        int n = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            string where = $"{at}.content[{n++}]";
            switch (Text(part, "type"))
            {
                case "input_text" or "text":
                    if (Text(part, "text") is not { } text)
                        return ResponsesRequest.Fail($"{where}.text is required.", "input", out error);
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", text);
                    writer.WriteEndObject();
                    break;
                case "input_image":
                    if (Text(part, "image_url") is not { } url)
                        return ResponsesRequest.Fail($"{where}: Nemo takes images by image_url (an https or data: URL), not by file_id.", "input", out error);
                    writer.WriteStartObject();
                    writer.WriteString("type", "image_url");
                    writer.WriteStartObject("image_url");
                    writer.WriteString("url", url);
                    if (Text(part, "detail") is { } detail)
                        writer.WriteString("detail", detail);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                case var other:
                    return ResponsesRequest.Fail($"{where}: parts of type '{(other is null ? "(none)" : Anthropic.MessagesRequest.Shown(other))}' are not supported (input_text and input_image are).", "input", out error);
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        error = default;
        return true;
    }

    private static void FlushCalls(List<JsonElement> calls, Utf8JsonWriter writer)
    {
        if (calls.Count == 0)
            return;
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        writer.WriteNull("content");
        writer.WriteStartArray("tool_calls");
        foreach (JsonElement call in calls)
        {
            writer.WriteStartObject();
            writer.WriteString("id", Text(call, "call_id"));
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", Text(call, "name"));
            writer.WriteString("arguments", Text(call, "arguments") ?? "{}");
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        calls.Clear();
    }

    internal static string? Text(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
