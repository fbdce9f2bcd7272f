using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// OpenAI's <c>tools</c> as one Gemini tool of <c>functionDeclarations</c> (each function's JSON Schema
/// passed as it is in <c>parametersJsonSchema</c>), and <c>tool_choice</c> as
/// <c>toolConfig.functionCallingConfig</c>: auto → AUTO, none → NONE, required → ANY, a named function →
/// ANY limited to it. Only function tools exist in Gemini's function calling; other kinds are refused.
/// </summary>
internal static class GeminiTools
{
    public static void Write(JsonElement request, Utf8JsonWriter writer)
    {
        if (request.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind != JsonValueKind.Null)
        {
            if (tools.ValueKind != JsonValueKind.Array)
                throw GeminiRefusal.Value("tools", "tools must be an array of function tools");
            if (tools.GetArrayLength() > 0)
            {
                writer.WriteStartArray("tools");
                writer.WriteStartObject();
                writer.WriteStartArray("functionDeclarations");
                int index = 0;
                foreach (JsonElement tool in tools.EnumerateArray())
                    WriteDeclaration(tool, $"tools[{index++}]", writer);
                writer.WriteEndArray();
                writer.WriteEndObject();
                writer.WriteEndArray();
            }
        }
        if (request.TryGetProperty("tool_choice", out JsonElement choice) && choice.ValueKind != JsonValueKind.Null)
            WriteChoice(choice, writer);
    }

    private static void WriteDeclaration(JsonElement tool, string param, Utf8JsonWriter writer)
    {
        if (tool.ValueKind != JsonValueKind.Object || !tool.TryGetProperty("type", out JsonElement type) || !type.ValueEquals("function"))
            throw GeminiRefusal.Value(param + ".type", "Only tools of type function are supported for this model");
        if (!tool.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
            throw GeminiRefusal.Value(param + ".function.name", "A function tool needs function.name");
        writer.WriteStartObject();
        writer.WritePropertyName("name");
        name.WriteTo(writer);
        if (function.TryGetProperty("description", out JsonElement description) && description.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("description");
            description.WriteTo(writer);
        }
        if (function.TryGetProperty("parameters", out JsonElement parameters) && parameters.ValueKind != JsonValueKind.Null)
        {
            if (parameters.ValueKind != JsonValueKind.Object)
                throw GeminiRefusal.Value(param + ".function.parameters", "function.parameters must be a JSON Schema object");
            writer.WritePropertyName("parametersJsonSchema");
            parameters.WriteTo(writer);
        }
        writer.WriteEndObject();
    }

    private static void WriteChoice(JsonElement choice, Utf8JsonWriter writer)
    {
        string mode;
        JsonElement? only = null;
        if (choice.ValueKind == JsonValueKind.String)
        {
            mode = choice.GetString() switch
            {
                "auto" => "AUTO",
                "none" => "NONE",
                "required" => "ANY",
                _ => throw GeminiRefusal.Value("tool_choice", "tool_choice must be auto, none, required or a function"),
            };
        }
        else if (choice.ValueKind == JsonValueKind.Object && choice.TryGetProperty("type", out JsonElement type) && type.ValueEquals("function")
            && choice.TryGetProperty("function", out JsonElement function) && function.ValueKind == JsonValueKind.Object
            && function.TryGetProperty("name", out JsonElement name) && name.ValueKind == JsonValueKind.String)
        {
            mode = "ANY";
            only = name;
        }
        else
        {
            throw GeminiRefusal.Value("tool_choice", "tool_choice must be auto, none, required or {\"type\":\"function\",\"function\":{\"name\"}} for this model");
        }
        writer.WriteStartObject("toolConfig");
        writer.WriteStartObject("functionCallingConfig");
        writer.WriteString("mode", mode);
        if (only is { } functionName)
        {
            writer.WriteStartArray("allowedFunctionNames");
            functionName.WriteTo(writer);
            writer.WriteEndArray();
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
