using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// OpenAI function tools as Anthropic client tools (<c>{name, description, input_schema}</c>), tool choice
/// auto/none/required/{function} as auto/none/any/{tool}, <c>parallel_tool_calls: false</c> as
/// <c>disable_parallel_tool_use</c>, and an assistant's tool calls as <c>tool_use</c> blocks (their JSON
/// arguments as the input object).
/// </summary>
internal static class AnthropicTools
{
    private static readonly JsonElement EmptySchema = JsonDocument.Parse("""{"type":"object","properties":{}}""").RootElement.Clone();

    public static bool TryWrite(JsonElement root, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        bool hasTools = root.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind != JsonValueKind.Null;
        if (hasTools)
        {
            if (tools.ValueKind != JsonValueKind.Array)
                return AnthropicRequest.Refuse("tools", "tools must be an array.", out error, "invalid_type");
            writer.WriteStartArray("tools");
            int index = 0;
            foreach (JsonElement tool in tools.EnumerateArray())
            {
                if (!TryWriteTool(tool, $"tools[{index++}]", writer, out error))
                    return false;
            }
            writer.WriteEndArray();
        }
        bool single = root.TryGetProperty("parallel_tool_calls", out JsonElement parallel) && parallel.ValueKind == JsonValueKind.False;
        if (!root.TryGetProperty("tool_choice", out JsonElement choice) || choice.ValueKind == JsonValueKind.Null)
        {
            if (single && hasTools)
            {
                writer.WriteStartObject("tool_choice");
                writer.WriteString("type", "auto");
                writer.WriteBoolean("disable_parallel_tool_use", true);
                writer.WriteEndObject();
            }
            return true;
        }
        string? type;
        string? name = null;
        if (choice.ValueKind == JsonValueKind.String)
        {
            type = choice.GetString() switch
            {
                "auto" => "auto",
                "none" => "none",
                "required" => "any",
                _ => null,
            };
        }
        else if (AnthropicContent.TypeOf(choice) == "function" && choice.TryGetProperty("function", out JsonElement function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out JsonElement n) && n.ValueKind == JsonValueKind.String)
        {
            type = "tool";
            name = n.GetString();
        }
        else
        {
            type = null;
        }
        if (type is null)
            return AnthropicRequest.Refuse("tool_choice", "tool_choice must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\":…}} for this model's provider (Anthropic).", out error, "invalid_value");
        writer.WriteStartObject("tool_choice");
        writer.WriteString("type", type);
        if (name is not null)
            writer.WriteString("name", name);
        if (single && type != "none")
            writer.WriteBoolean("disable_parallel_tool_use", true);
        writer.WriteEndObject();
        return true;
    }

    private static bool TryWriteTool(JsonElement tool, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        if (AnthropicContent.TypeOf(tool) != "function")
            return AnthropicRequest.Refuse($"{at}.type", $"{at}: only function tools are supported by this model's provider (Anthropic).", out error);
        if (!tool.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String || name.GetString()!.Length == 0)
            return AnthropicRequest.Refuse($"{at}.function.name", $"{at}.function.name is required (a non-empty string).", out error, "missing_required_parameter");
        writer.WriteStartObject();
        writer.WritePropertyName("name");
        name.WriteTo(writer);
        if (function.TryGetProperty("description", out JsonElement description) && description.ValueKind != JsonValueKind.Null)
        {
            if (description.ValueKind != JsonValueKind.String)
                return AnthropicRequest.Refuse($"{at}.function.description", $"{at}.function.description must be a string.", out error, "invalid_type");
            writer.WritePropertyName("description");
            description.WriteTo(writer);
        }
        writer.WritePropertyName("input_schema");
        if (function.TryGetProperty("parameters", out JsonElement parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
                return AnthropicRequest.Refuse($"{at}.function.parameters", $"{at}.function.parameters must be a JSON schema object.", out error, "invalid_type");
            parameters.WriteTo(writer);
        }
        else
        {
            EmptySchema.WriteTo(writer); // OpenAI's "no parameters"; Anthropic requires a schema
        }
        writer.WriteEndObject();
        return true;
    }

    /// <summary>One assistant tool call as a <c>tool_use</c> block; its arguments must be a JSON object (or empty).</summary>
    public static bool TryWriteToolUse(JsonElement call, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        if (AnthropicContent.TypeOf(call) != "function" || !call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object)
            return AnthropicRequest.Refuse(at, $"{at} must be a function tool call.", out error, "invalid_type");
        if (!call.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.String
            || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            return AnthropicRequest.Refuse(at, $"{at} needs a string id and function.name.", out error, "missing_required_parameter");
        string arguments = function.TryGetProperty("arguments", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
        JsonDocument? input = null;
        try
        {
            if (arguments.Trim().Length > 0)
            {
                input = JsonDocument.Parse(arguments, new JsonDocumentOptions { MaxDepth = 64 });
                if (input.RootElement.ValueKind != JsonValueKind.Object)
                    return AnthropicRequest.Refuse($"{at}.function.arguments", $"{at}.function.arguments must be a JSON object for this model's provider (Anthropic).", out error, "invalid_value");
            }
        }
        catch (JsonException)
        {
            return AnthropicRequest.Refuse($"{at}.function.arguments", $"{at}.function.arguments is not valid JSON, which this model's provider (Anthropic) needs.", out error, "invalid_value");
        }
        using (input)
        {
            writer.WriteStartObject();
            writer.WriteString("type", "tool_use");
            writer.WritePropertyName("id");
            id.WriteTo(writer);
            writer.WritePropertyName("name");
            name.WriteTo(writer);
            writer.WritePropertyName("input");
            if (input is null)
            {
                writer.WriteStartObject();
                writer.WriteEndObject();
            }
            else
            {
                input.RootElement.WriteTo(writer);
            }
            writer.WriteEndObject();
        }
        return true;
    }
}
