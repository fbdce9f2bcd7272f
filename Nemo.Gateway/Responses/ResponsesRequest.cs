using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>
/// Translates an OpenAI Responses API request into the chat completion Nemo proxies: <c>instructions</c>
/// becomes a system message; <c>input</c> (a string, or message, <c>function_call</c> and
/// <c>function_call_output</c> items) becomes the messages; function tools, <c>tool_choice</c>,
/// <c>text.format</c> (JSON schema), <c>reasoning.effort</c>, <c>max_output_tokens</c> and sampling carry
/// over, and a <c>prompt</c> template is rendered as on chat completions. Nemo keeps no responses: <c>previous_response_id</c>, <c>conversation</c> and background mode are
/// refused, and <c>store</c> is accepted and has no effect. Anything else it can't translate is a 400
/// naming the field.
/// </summary>
internal static class ResponsesRequest
{
    private static readonly string[] Known =
    [
        "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "stream", "tools", "tool_choice",
        "parallel_tool_calls", "user", "safety_identifier", "metadata", "store", "text", "reasoning", "prompt",
        // accepted, no chat-completion counterpart:
        "truncation", "include", "service_tier", "prompt_cache_key", "prompt_cache_retention", "top_logprobs", "stream_options",
    ];

    private static readonly string[] Refused = ["previous_response_id", "conversation", "background", "max_tool_calls"];

    public static bool TryTranslate(ReadOnlySpan<byte> json, out TranslatedRequest? translated, out OpenAIError error)
    {
        translated = null;
        JsonDocument document;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
            document = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException ex)
        {
            error = OpenAIError.BadRequest($"The request body is not valid JSON: {ex.Message}", code: "invalid_json");
            return false;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return Fail("The request body must be a JSON object.", null, out error);
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (Refused.Contains(property.Name) && property.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
                    return Fail($"'{property.Name}' is not supported: Nemo keeps no responses or conversations; send the whole input each time.", property.Name, out error, "unsupported_parameter");
                if (!Known.Contains(property.Name) && !Refused.Contains(property.Name))
                    return Fail($"Unknown parameter: '{Anthropic.MessagesRequest.Shown(property.Name)}'.", property.Name, out error, "unknown_parameter");
            }
            if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
                return Fail("Missing required parameter: 'model'.", "model", out error, "missing_required_parameter");
            bool templated = root.TryGetProperty("prompt", out JsonElement promptField) && promptField.ValueKind != JsonValueKind.Null;
            if (!root.TryGetProperty("input", out JsonElement input) && !templated || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array or JsonValueKind.Undefined))
                return Fail("Missing required parameter: 'input' (a string or a list of items; it may be left out with a prompt template).", "input", out error, "missing_required_parameter");
            bool stream = root.TryGetProperty("stream", out JsonElement s) && s.ValueKind == JsonValueKind.True;
            if (s.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null))
                return Fail("'stream' must be a boolean.", "stream", out error);
            long? maxOutput = null;
            if (root.TryGetProperty("max_output_tokens", out JsonElement max) && max.ValueKind != JsonValueKind.Null)
            {
                if (max.ValueKind != JsonValueKind.Number || !max.TryGetInt64(out long m) || m < 1)
                    return Fail("'max_output_tokens' must be an integer of at least 1.", "max_output_tokens", out error);
                maxOutput = m;
            }
            string? instructions = null;
            if (root.TryGetProperty("instructions", out JsonElement i) && i.ValueKind != JsonValueKind.Null)
            {
                if (i.ValueKind != JsonValueKind.String)
                    return Fail("'instructions' must be a string.", "instructions", out error);
                instructions = i.GetString();
            }
            string? user = null;
            foreach (string name in new[] { "safety_identifier", "user" })
            {
                if (root.TryGetProperty(name, out JsonElement u) && u.ValueKind != JsonValueKind.Null)
                {
                    if (u.ValueKind != JsonValueKind.String)
                        return Fail($"'{name}' must be a string.", name, out error);
                    user ??= u.GetString();
                }
            }
            if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                return Fail("'metadata' must be an object of strings.", "metadata", out error);

            var buffer = new ArrayBufferWriter<byte>(json.Length + 256);
            double? temperature = null, topP = null;
            bool parallel = true;
            JsonElement tools = default, toolChoice = default, format = default;
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("model", modelName);
                if (maxOutput is long limit)
                    writer.WriteNumber("max_tokens", limit);
                if (stream)
                {
                    writer.WriteBoolean("stream", true);
                    writer.WriteStartObject("stream_options");
                    writer.WriteBoolean("include_usage", true);
                    writer.WriteEndObject();
                }
                if (user is not null)
                    writer.WriteString("user", user);
                if (!TryNumber(root, "temperature", writer, out temperature, out error) || !TryNumber(root, "top_p", writer, out topP, out error))
                    return false;
                if (root.TryGetProperty("parallel_tool_calls", out JsonElement p) && p.ValueKind != JsonValueKind.Null)
                {
                    if (p.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        return Fail("'parallel_tool_calls' must be a boolean.", "parallel_tool_calls", out error);
                    parallel = p.GetBoolean();
                    writer.WriteBoolean("parallel_tool_calls", parallel);
                }
                if (root.TryGetProperty("tools", out tools) && tools.ValueKind != JsonValueKind.Null && !ResponsesTools.TryWriteTools(tools, writer, out error))
                    return false;
                if (root.TryGetProperty("tool_choice", out toolChoice) && toolChoice.ValueKind != JsonValueKind.Null && !ResponsesTools.TryWriteToolChoice(toolChoice, writer, out error))
                    return false;
                if (root.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.Object && text.TryGetProperty("format", out format)
                    && !ResponsesTools.TryWriteFormat(format, writer, out error))
                    return false;
                if (root.TryGetProperty("prompt", out JsonElement prompt) && prompt.ValueKind != JsonValueKind.Null)
                {
                    // A prompt template, in the shape the chat route takes too: the gateway renders it there.
                    writer.WritePropertyName("prompt");
                    prompt.WriteTo(writer);
                }
                if (root.TryGetProperty("reasoning", out JsonElement reasoning) && reasoning.ValueKind == JsonValueKind.Object
                    && reasoning.TryGetProperty("effort", out JsonElement effort) && effort.ValueKind == JsonValueKind.String)
                    writer.WriteString("reasoning_effort", effort.GetString());

                if (input.ValueKind == JsonValueKind.Undefined && instructions is not { Length: > 0 })
                {
                    // Only the template's messages (rendered by the gateway).
                    writer.WriteEndObject();
                    goto Done;
                }
                writer.WriteStartArray("messages");
                if (instructions is { Length: > 0 })
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "system");
                    writer.WriteString("content", instructions);
                    writer.WriteEndObject();
                }
                if (input.ValueKind == JsonValueKind.String)
                {
                    writer.WriteStartObject();
                    writer.WriteString("role", "user");
                    writer.WriteString("content", input.GetString());
                    writer.WriteEndObject();
                }
                else if (input.ValueKind == JsonValueKind.Array && !ResponsesInput.TryWrite(input, writer, out error))
                    return false;
                writer.WriteEndArray();
                writer.WriteEndObject();
            Done:;
            }
            var echo = new ResponsesEcho(instructions, maxOutput, temperature, topP, parallel, user,
                tools.ValueKind == JsonValueKind.Array ? tools.Clone() : default, toolChoice.ValueKind != JsonValueKind.Undefined ? toolChoice.Clone() : default,
                metadata.ValueKind == JsonValueKind.Object ? metadata.Clone() : default, format.ValueKind == JsonValueKind.Object ? format.Clone() : default);
            translated = new TranslatedRequest(buffer.WrittenSpan.ToArray(), modelName, stream, echo);
            error = default;
            return true;
        }
    }

    private static bool TryNumber(JsonElement root, string name, Utf8JsonWriter writer, out double? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!root.TryGetProperty(name, out JsonElement number) || number.ValueKind == JsonValueKind.Null)
            return true;
        if (number.ValueKind != JsonValueKind.Number)
            return Fail($"'{name}' must be a number.", name, out error);
        value = number.GetDouble();
        writer.WritePropertyName(name);
        number.WriteTo(writer);
        return true;
    }

    internal static bool Fail(string message, string? param, out OpenAIError error, string code = "invalid_value")
    {
        error = OpenAIError.BadRequest(message, param, code);
        return false;
    }
}
