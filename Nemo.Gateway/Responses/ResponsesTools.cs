using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Responses;

/// <summary>Responses function tools, tool choice and text format as chat-completion tools, tool_choice and response_format. Hosted tools (web search, file search…) are refused.</summary>
internal static class ResponsesTools
{
    public static bool TryWriteTools(JsonElement tools, Utf8JsonWriter writer, out OpenAIError error)
    {
        if (tools.ValueKind != JsonValueKind.Array)
            return ResponsesRequest.Fail("'tools' must be a list.", "tools", out error);
        if (tools.GetArrayLength() == 0)
        {
            error = default;
            return true;
        }
        writer.WriteStartArray("tools");
        int index = 0;
        foreach (JsonElement tool in tools.EnumerateArray())
        {
            string at = $"tools[{index++}]";
            string? type = ResponsesInput.Text(tool, "type");
            if (type != "function")
                return ResponsesRequest.Fail($"{at}: only function tools are supported through Nemo (got '{(type is null ? "(none)" : Anthropic.MessagesRequest.Shown(type))}').", "tools", out error);
            if (ResponsesInput.Text(tool, "name") is not { Length: > 0 } name)
                return ResponsesRequest.Fail($"{at}.name is required.", "tools", out error);
            writer.WriteStartObject();
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", name);
            if (ResponsesInput.Text(tool, "description") is { } description)
                writer.WriteString("description", description);
            if (tool.TryGetProperty("parameters", out JsonElement parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                writer.WritePropertyName("parameters");
                parameters.WriteTo(writer);
            }
            if (tool.TryGetProperty("strict", out JsonElement strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False)
                writer.WriteBoolean("strict", strict.GetBoolean());
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        error = default;
        return true;
    }

    public static bool TryWriteToolChoice(JsonElement choice, Utf8JsonWriter writer, out OpenAIError error)
    {
        if (choice.ValueKind == JsonValueKind.String && choice.GetString() is "auto" or "none" or "required")
        {
            writer.WriteString("tool_choice", choice.GetString());
        }
        else if (ResponsesInput.Text(choice, "type") == "function" && ResponsesInput.Text(choice, "name") is { } name)
        {
            writer.WriteStartObject("tool_choice");
            writer.WriteString("type", "function");
            writer.WriteStartObject("function");
            writer.WriteString("name", name);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        else
        {
            return ResponsesRequest.Fail("'tool_choice' must be auto, none, required or {\"type\":\"function\",\"name\":…}.", "tool_choice", out error);
        }
        error = default;
        return true;
    }

    public static bool TryWriteFormat(JsonElement format, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        switch (ResponsesInput.Text(format, "type"))
        {
            case "text":
                return true;
            case "json_object":
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_object");
                writer.WriteEndObject();
                return true;
            case "json_schema":
                if (ResponsesInput.Text(format, "name") is not { } name || !format.TryGetProperty("schema", out JsonElement schema) || schema.ValueKind != JsonValueKind.Object)
                    return ResponsesRequest.Fail("text.format of type json_schema needs name and schema.", "text", out error);
                writer.WriteStartObject("response_format");
                writer.WriteString("type", "json_schema");
                writer.WriteStartObject("json_schema");
                writer.WriteString("name", name);
                writer.WritePropertyName("schema");
                schema.WriteTo(writer);
                if (format.TryGetProperty("strict", out JsonElement strict) && strict.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    writer.WriteBoolean("strict", strict.GetBoolean());
                writer.WriteEndObject();
                writer.WriteEndObject();
                return true;
            default:
                return ResponsesRequest.Fail("text.format.type must be text, json_object or json_schema.", "text", out error);
        }
    }
}
