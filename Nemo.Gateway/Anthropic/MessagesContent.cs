using System.Text;
using System.Text.Json;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// One Anthropic message as OpenAI chat messages. A user turn's <c>tool_result</c> blocks become tool
/// messages, written first (OpenAI wants them right after the assistant's tool calls), then its other
/// blocks as one user message; an assistant turn's text joins into its content and its <c>tool_use</c>
/// blocks become tool calls. Thinking blocks of earlier assistant turns are dropped: an OpenAI-compatible
/// model can't take them back.
/// </summary>
internal static class MessagesContent
{
    private static readonly string[] ImageTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    public static bool TryWriteMessage(JsonElement message, string path, Utf8JsonWriter writer, out AnthropicError error)
    {
        if (message.ValueKind != JsonValueKind.Object)
            return MessagesRequest.Fail($"{path}: Input should be an object with role and content.", out error);
        string? role = message.TryGetProperty("role", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (role is not ("user" or "assistant"))
            return MessagesRequest.Fail($"{path}.role: Input should be 'user' or 'assistant'.", out error);
        if (!message.TryGetProperty("content", out JsonElement content))
            return MessagesRequest.Fail($"{path}.content: Field required.", out error);
        if (content.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartObject();
            writer.WriteString("role", role);
            writer.WriteString("content", content.GetString());
            writer.WriteEndObject();
            error = default;
            return true;
        }
        if (content.ValueKind != JsonValueKind.Array)
            return MessagesRequest.Fail($"{path}.content: Input should be a string or a list of content blocks.", out error);
        return role == "user" ? TryWriteUser(content, path, writer, out error) : TryWriteAssistant(content, path, writer, out error);
    }

    private static bool TryWriteUser(JsonElement blocks, string path, Utf8JsonWriter writer, out AnthropicError error)
    {
        int index = 0, parts = 0;
        foreach (JsonElement block in blocks.EnumerateArray())
        {
            string at = $"{path}.content.{index++}";
            if (TypeOf(block) != "tool_result")
            {
                parts++;
                continue;
            }
            if (!block.TryGetProperty("tool_use_id", out JsonElement id) || id.ValueKind != JsonValueKind.String)
                return MessagesRequest.Fail($"{at}.tool_use_id: Field required (a string).", out error);
            string text = "";
            if (block.TryGetProperty("content", out JsonElement result))
            {
                if (result.ValueKind == JsonValueKind.String)
                    text = result.GetString()!;
                else if (result.ValueKind != JsonValueKind.Array || !TryJoinText(result, at + ".content", out text, out error))
                    return MessagesRequest.Fail($"{at}.content: Input should be a string or a list of text blocks.", out error);
            }
            if (block.TryGetProperty("is_error", out JsonElement isError) && isError.ValueKind == JsonValueKind.True)
                text = "Error: " + text;
            writer.WriteStartObject();
            writer.WriteString("role", "tool");
            writer.WriteString("tool_call_id", id.GetString());
            writer.WriteString("content", text);
            writer.WriteEndObject();
        }
        if (parts == 0)
        {
            error = default;
            return true;
        }
        writer.WriteStartObject();
        writer.WriteString("role", "user");
        writer.WriteStartArray("content");
        index = 0;
        foreach (JsonElement block in blocks.EnumerateArray())
        {
            string at = $"{path}.content.{index++}";
            switch (TypeOf(block))
            {
                case "tool_result":
                    break;
                case "text":
                    if (!TryText(block, at, out string text, out error))
                        return false;
                    writer.WriteStartObject();
                    writer.WriteString("type", "text");
                    writer.WriteString("text", text);
                    writer.WriteEndObject();
                    break;
                case "image":
                    if (!TryImageUrl(block, at, out string url, out error))
                        return false;
                    writer.WriteStartObject();
                    writer.WriteString("type", "image_url");
                    writer.WriteStartObject("image_url");
                    writer.WriteString("url", url);
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                    break;
                case var other:
                    return Unsupported(other, at, out error);
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        error = default;
        return true;
    }

    private static bool TryWriteAssistant(JsonElement blocks, string path, Utf8JsonWriter writer, out AnthropicError error)
    {
        var text = new StringBuilder();
        var calls = new List<(string Id, string Name, string Arguments)>();
        int index = 0;
        foreach (JsonElement block in blocks.EnumerateArray())
        {
            string at = $"{path}.content.{index++}";
            switch (TypeOf(block))
            {
                case "text":
                    if (!TryText(block, at, out string part, out error))
                        return false;
                    text.Append(part);
                    break;
                case "tool_use":
                    if (!block.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.String
                        || !block.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                        return MessagesRequest.Fail($"{at}: a tool_use block needs a string id and name.", out error);
                    if (!block.TryGetProperty("input", out JsonElement input) || input.ValueKind != JsonValueKind.Object)
                        return MessagesRequest.Fail($"{at}.input: Input should be an object.", out error);
                    calls.Add((id.GetString()!, name.GetString()!, input.GetRawText()));
                    break;
                case "thinking" or "redacted_thinking":
                    break;
                case var other:
                    return Unsupported(other, at, out error);
            }
        }
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        if (text.Length > 0 || calls.Count == 0)
            writer.WriteString("content", text.ToString());
        else
            writer.WriteNull("content");
        if (calls.Count > 0)
        {
            writer.WriteStartArray("tool_calls");
            foreach ((string id, string name, string arguments) in calls)
            {
                writer.WriteStartObject();
                writer.WriteString("id", id);
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", name);
                writer.WriteString("arguments", arguments);
                writer.WriteEndObject();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        error = default;
        return true;
    }

    /// <summary>The text of a list of text blocks (a system prompt, a tool result), joined by blank lines.</summary>
    public static bool TryJoinText(JsonElement blocks, string path, out string text, out AnthropicError error)
    {
        var joined = new StringBuilder();
        int index = 0;
        foreach (JsonElement block in blocks.EnumerateArray())
        {
            string at = $"{path}.{index++}";
            if (TypeOf(block) != "text")
            {
                text = "";
                return MessagesRequest.Fail($"{at}.type: only text blocks are allowed here.", out error);
            }
            if (!TryText(block, at, out string part, out error))
            {
                text = "";
                return false;
            }
            if (joined.Length > 0)
                joined.Append("\n\n");
            joined.Append(part);
        }
        text = joined.ToString();
        error = default;
        return true;
    }

    private static bool TryText(JsonElement block, string at, out string text, out AnthropicError error)
    {
        if (block.TryGetProperty("text", out JsonElement value) && value.ValueKind == JsonValueKind.String)
        {
            text = value.GetString()!;
            error = default;
            return true;
        }
        text = "";
        return MessagesRequest.Fail($"{at}.text: Field required (a string).", out error);
    }

    private static bool TryImageUrl(JsonElement block, string at, out string url, out AnthropicError error)
    {
        url = "";
        if (!block.TryGetProperty("source", out JsonElement source) || source.ValueKind != JsonValueKind.Object)
            return MessagesRequest.Fail($"{at}.source: Field required (an object).", out error);
        switch (TypeOf(source))
        {
            case "base64":
                string? media = source.TryGetProperty("media_type", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                if (media is null || !ImageTypes.Contains(media))
                    return MessagesRequest.Fail($"{at}.source.media_type: Input should be one of {string.Join(", ", ImageTypes)}.", out error);
                if (!source.TryGetProperty("data", out JsonElement data) || data.ValueKind != JsonValueKind.String)
                    return MessagesRequest.Fail($"{at}.source.data: Field required (base64 text).", out error);
                url = $"data:{media};base64,{data.GetString()}";
                break;
            case "url":
                if (!source.TryGetProperty("url", out JsonElement u) || u.ValueKind != JsonValueKind.String
                    || !Uri.TryCreate(u.GetString(), UriKind.Absolute, out Uri? parsed) || parsed.Scheme is not ("https" or "http"))
                    return MessagesRequest.Fail($"{at}.source.url: Input should be an absolute http(s) URL.", out error);
                url = parsed.AbsoluteUri;
                break;
            default:
                return MessagesRequest.Fail($"{at}.source.type: Input should be 'base64' or 'url'.", out error);
        }
        error = default;
        return true;
    }

    private static bool Unsupported(string? type, string at, out AnthropicError error) =>
        MessagesRequest.Fail(type is null
            ? $"{at}.type: Field required."
            : $"{at}.type: '{MessagesRequest.Shown(type)}' blocks are not supported by Nemo's Anthropic translation (text, image, tool_use and tool_result are).", out error);

    private static string? TypeOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
}
