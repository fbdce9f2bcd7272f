using System.Text.Json;

namespace Nemo.Gateway.Anthropic;

/// <summary>Anthropic's client tools and tool choice as OpenAI functions. Anthropic's server tools (web search, code execution…) have no counterpart and are refused.</summary>
internal static class MessagesTools
{
    public static bool TryWriteTools(JsonElement tools, Utf8JsonWriter writer, out AnthropicError error)
    {
        if (tools.ValueKind != JsonValueKind.Array)
            return MessagesRequest.Fail("tools: Input should be a list.", out error);
        writer.WriteStartArray("tools");
        int index = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string at = $"tools.{index++}";
            if (tool.ValueKind != JsonValueKind.Object)
                return MessagesRequest.Fail($"{at}: Input should be an object.", out error);
            if (tool.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.GetString() != "custom")
                return MessagesRequest.Fail($"{at}.type: Anthropic's server tools ('{MessagesRequest.Shown(type.GetString()!)}') are not supported through Nemo; define a client tool with name and input_schema.", out error);
            if (!tool.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String || name.GetString() is not { Length: > 0 })
                return MessagesRequest.Fail($"{at}.name: Field required (a non-empty string).", out error);
            if (!tool.TryGetProperty("input_schema", out JsonElement schema) || schema.ValueKind != JsonValueKind.Object)
                return MessagesRequest.Fail($"{at}.input_schema: Field required (a JSON schema object).", out error);
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", name.GetString());
            if (tool.TryGetProperty("description", out JsonElement description))
            {
                if (description.ValueKind != JsonValueKind.String)
                    return MessagesRequest.Fail($"{at}.description: Input should be a string.", out error);
                writer.WriteString("description", description.GetString());
            }
            writer.WritePropertyName("parameters");
            schema.WriteTo(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        error = default;
        return true;
    }

    public static bool TryWriteToolChoice(JsonElement choice, Utf8JsonWriter writer, out AnthropicError error)
    {
        string? type = choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "auto":
                writer.WriteString("tool_choice", "auto");
                break;
            case "any":
                writer.WriteString("tool_choice", "required");
                break;
            case "none":
                writer.WriteString("tool_choice", "none");
                break;
            case "tool":
                if (!choice.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                    return MessagesRequest.Fail("tool_choice.name: Field required when type is 'tool'.", out error);
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "function");
                writer.WriteStartObject("function");
                writer.WriteString("name", name.GetString());
                writer.WriteEndObject();
                writer.WriteEndObject();
                break;
            default:
                return MessagesRequest.Fail("tool_choice.type: Input should be 'auto', 'any', 'tool' or 'none'.", out error);
        }
        if (type != "none" && choice.TryGetProperty("disable_parallel_tool_use", out JsonElement single) && single.ValueKind == JsonValueKind.True)
            writer.WriteBoolean("parallel_tool_calls", false);
        error = default;
        return true;
    }
}
