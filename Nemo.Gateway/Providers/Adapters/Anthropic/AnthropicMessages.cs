using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// OpenAI chat messages as Anthropic's <c>system</c> and <c>messages</c>. System and developer messages,
/// wherever they stand, are joined into <c>system</c> (Anthropic has no mid-conversation system turn);
/// user content keeps its text and images (<see cref="AnthropicContent"/>); an assistant's text and tool
/// calls become text and <c>tool_use</c> blocks; tool messages become <c>tool_result</c> blocks of a user
/// turn, consecutive ones merged into one (Anthropic wants all results of a turn's calls together).
/// </summary>
internal static class AnthropicMessages
{
    public static bool TryWrite(JsonElement messages, Utf8JsonWriter writer, out OpenAIError error)
    {
        if (!TryWriteSystem(messages, writer, out error))
            return false;
        writer.WriteStartArray("messages");
        bool inToolResults = false;
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string at = $"messages[{index++}]";
            string role = message.GetProperty("role").GetString()!;
            if (role == "tool")
            {
                if (!inToolResults)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "user");
                    writer.WriteStartArray("content");
                    inToolResults = true;
                }
                if (!TryWriteToolResult(message, at, writer, out error))
                    return false;
                continue;
            }
            if (inToolResults)
            {
                writer.WriteEndArray();
                writer.WriteEndObject();
                inToolResults = false;
            }
            switch (role)
            {
                case "system" or "developer":
                    break;
                case "user":
                    if (!TryWriteUser(message, at, writer, out error))
                        return false;
                    break;
                case "assistant":
                    if (!TryWriteAssistant(message, at, writer, out error))
                        return false;
                    break;
                default:
                    return AnthropicRequest.Refuse($"{at}.role", $"{at}.role '{Shown(role)}' is not supported by this model's provider (Anthropic): use system, developer, user, assistant or tool.", out error);
            }
        }
        if (inToolResults)
        {
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        error = default;
        return true;
    }

    /// <summary>Every system and developer message's text, in order, as system text blocks.</summary>
    private static bool TryWriteSystem(JsonElement messages, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        bool any = false;
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string at = $"messages[{index++}]";
            JsonElement role = message.GetProperty("role");
            if (!role.ValueEquals("system"u8) && !role.ValueEquals("developer"u8))
                continue;
            if (!message.TryGetProperty("content", out JsonElement content))
                return AnthropicRequest.Refuse($"{at}.content", $"{at}.content is required.", out error, "missing_required_parameter");
            if (!any)
            {
                writer.WriteStartArray("system");
                any = true;
            }
            if (content.ValueKind == JsonValueKind.String)
            {
                if (content.GetString()!.Length > 0)
                    WriteText(writer, content);
                continue;
            }
            if (content.ValueKind != JsonValueKind.Array)
                return AnthropicRequest.Refuse($"{at}.content", $"{at}.content must be a string or an array of text parts.", out error, "invalid_type");
            int part = 0;
            foreach (JsonElement item in content.EnumerateArray())
            {
                if (!AnthropicContent.TryText(item, $"{at}.content[{part++}]", out JsonElement text, out error))
                    return false;
                WriteText(writer, text);
            }
        }
        if (any)
            writer.WriteEndArray();
        return true;
    }

    private static bool TryWriteUser(JsonElement message, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        if (!message.TryGetProperty("content", out JsonElement content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            return AnthropicRequest.Refuse($"{at}.content", $"{at}.content must be a string or an array of content parts.", out error, "invalid_type");
        writer.WriteStartObject();
        writer.WriteString("role", "user");
        writer.WritePropertyName("content");
        if (content.ValueKind == JsonValueKind.String)
        {
            content.WriteTo(writer);
        }
        else
        {
            writer.WriteStartArray();
            int part = 0;
            foreach (JsonElement item in content.EnumerateArray())
            {
                if (!AnthropicContent.TryWriteUserPart(item, $"{at}.content[{part++}]", writer, out error))
                    return false;
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        error = default;
        return true;
    }

    private static bool TryWriteAssistant(JsonElement message, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        if (message.TryGetProperty("audio", out JsonElement audio) && audio.ValueKind != JsonValueKind.Null)
            return AnthropicRequest.Refuse($"{at}.audio", $"{at}.audio is not supported by this model's provider (Anthropic).", out error);
        if (message.TryGetProperty("function_call", out JsonElement function) && function.ValueKind != JsonValueKind.Null)
            return AnthropicRequest.Refuse($"{at}.function_call", $"{at}.function_call (the legacy functions API) is not supported by this model's provider (Anthropic); use tool_calls.", out error);
        message.TryGetProperty("content", out JsonElement content);
        JsonElement calls = message.TryGetProperty("tool_calls", out JsonElement c) && c.ValueKind != JsonValueKind.Null ? c : default;
        if (content.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null or JsonValueKind.String or JsonValueKind.Array))
            return AnthropicRequest.Refuse($"{at}.content", $"{at}.content must be a string, an array of text parts, or null.", out error, "invalid_type");
        if (calls.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Array))
            return AnthropicRequest.Refuse($"{at}.tool_calls", $"{at}.tool_calls must be an array.", out error, "invalid_type");
        writer.WriteStartObject();
        writer.WriteString("role", "assistant");
        if (calls.ValueKind == JsonValueKind.Undefined && content.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("content");
            content.WriteTo(writer);
            writer.WriteEndObject();
            return true;
        }
        writer.WriteStartArray("content");
        if (content.ValueKind == JsonValueKind.String && content.GetString()!.Length > 0)
        {
            WriteText(writer, content);
        }
        else if (content.ValueKind == JsonValueKind.Array)
        {
            int part = 0;
            foreach (JsonElement item in content.EnumerateArray())
            {
                // An assistant's refusal part is text it said.
                if (!AnthropicContent.TryText(item, $"{at}.content[{part++}]", out JsonElement text, out error, alsoRefusal: true))
                    return false;
                if (text.GetString()!.Length > 0)
                    WriteText(writer, text);
            }
        }
        if (calls.ValueKind == JsonValueKind.Array)
        {
            int index = 0;
            foreach (JsonElement call in calls.EnumerateArray())
            {
                if (!AnthropicTools.TryWriteToolUse(call, $"{at}.tool_calls[{index++}]", writer, out error))
                    return false;
            }
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
        return true;
    }

    private static bool TryWriteToolResult(JsonElement message, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        if (!message.TryGetProperty("tool_call_id", out JsonElement id) || id.ValueKind != JsonValueKind.String)
            return AnthropicRequest.Refuse($"{at}.tool_call_id", $"{at}.tool_call_id is required (a string).", out error, "missing_required_parameter");
        if (!message.TryGetProperty("content", out JsonElement content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            return AnthropicRequest.Refuse($"{at}.content", $"{at}.content must be a string or an array of text parts.", out error, "invalid_type");
        writer.WriteStartObject();
        writer.WriteString("type", "tool_result");
        writer.WritePropertyName("tool_use_id");
        id.WriteTo(writer);
        writer.WritePropertyName("content");
        if (content.ValueKind == JsonValueKind.String)
        {
            content.WriteTo(writer);
        }
        else
        {
            writer.WriteStartArray();
            int part = 0;
            foreach (JsonElement item in content.EnumerateArray())
            {
                if (!AnthropicContent.TryText(item, $"{at}.content[{part++}]", out JsonElement text, out error))
                    return false;
                WriteText(writer, text);
            }
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        error = default;
        return true;
    }

    /// <summary>A text block whose text is the given string element.</summary>
    internal static void WriteText(Utf8JsonWriter writer, JsonElement text)
    {
        writer.WriteStartObject();
        writer.WriteString("type", "text");
        writer.WritePropertyName("text");
        text.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>A client string shown in an error message: at most 64 characters.</summary>
    internal static string Shown(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
