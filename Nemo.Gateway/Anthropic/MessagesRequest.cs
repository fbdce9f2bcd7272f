using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Proxy;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// Translates an Anthropic Messages API request into the OpenAI chat-completions request Nemo's proxy
/// handles (and bills): <c>system</c> becomes a system message; text, image, <c>tool_use</c> and
/// <c>tool_result</c> blocks become content parts, assistant tool calls and tool messages; <c>tools</c> and
/// <c>tool_choice</c> become functions; <c>stop_sequences</c>, <c>metadata.user_id</c>, <c>temperature</c>
/// and <c>top_p</c> carry over; a stream asks for the usage chunk. Anything it can't translate faithfully
/// is refused with a 400 naming the field — never silently dropped — except the fields listed in
/// <see cref="Ignored"/>, which change how a model thinks or is billed by Anthropic, not what an
/// OpenAI-compatible deployment can do.
/// </summary>
internal static class MessagesRequest
{
    private static readonly string[] Known =
        ["model", "max_tokens", "messages", "system", "stream", "stop_sequences", "temperature", "top_p", "metadata", "tools", "tool_choice"];

    /// <summary>Accepted and not forwarded: they have no OpenAI chat-completions counterpart.</summary>
    private static readonly string[] Ignored = ["top_k", "thinking", "service_tier", "cache_control", "container", "inference_geo", "speed"];

    public static bool TryTranslate(ReadOnlySpan<byte> json, out TranslatedRequest? translated, out AnthropicError error)
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
            error = AnthropicError.Invalid($"The request body is not valid JSON: {ex.Message}");
            return false;
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = AnthropicError.Invalid("The request body must be a JSON object.");
                return false;
            }
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (!Known.Contains(property.Name) && !Ignored.Contains(property.Name))
                {
                    error = AnthropicError.Invalid($"{Shown(property.Name)}: Extra inputs are not permitted (Nemo translates only these fields: {string.Join(", ", Known)}).");
                    return false;
                }
            }
            if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String || model.GetString() is not { Length: > 0 } modelName)
                return Fail("model: Field required (a non-empty string).", out error);
            if (!root.TryGetProperty("max_tokens", out JsonElement maxTokens) || maxTokens.ValueKind != JsonValueKind.Number
                || !maxTokens.TryGetInt64(out long max) || max < 1)
                return Fail("max_tokens: Field required (an integer of at least 1).", out error);
            if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
                return Fail("messages: Field required (a non-empty array).", out error);
            bool stream = false;
            if (root.TryGetProperty("stream", out JsonElement streamValue))
            {
                if (streamValue.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    return Fail("stream: Input should be a valid boolean.", out error);
                stream = streamValue.GetBoolean();
            }

            var buffer = new ArrayBufferWriter<byte>(json.Length + 256);
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("model", modelName);
                writer.WriteNumber("max_tokens", max);
                if (stream)
                {
                    writer.WriteBoolean("stream", true);
                    writer.WriteStartObject("stream_options");
                    writer.WriteBoolean("include_usage", true);
                    writer.WriteEndObject();
                }
                foreach (string name in new[] { "temperature", "top_p" })
                {
                    if (!root.TryGetProperty(name, out JsonElement number))
                        continue;
                    if (number.ValueKind != JsonValueKind.Number)
                        return Fail($"{name}: Input should be a valid number.", out error);
                    writer.WritePropertyName(name);
                    number.WriteTo(writer);
                }
                if (root.TryGetProperty("stop_sequences", out JsonElement stops))
                {
                    if (stops.ValueKind != JsonValueKind.Array || stops.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
                        return Fail("stop_sequences: Input should be a list of strings.", out error);
                    writer.WritePropertyName("stop");
                    stops.WriteTo(writer);
                }
                if (root.TryGetProperty("metadata", out JsonElement metadata))
                {
                    if (metadata.ValueKind != JsonValueKind.Object)
                        return Fail("metadata: Input should be an object.", out error);
                    if (metadata.TryGetProperty("user_id", out JsonElement user) && user.ValueKind != JsonValueKind.Null)
                    {
                        if (user.ValueKind != JsonValueKind.String)
                            return Fail("metadata.user_id: Input should be a string.", out error);
                        writer.WriteString("user", user.GetString());
                    }
                }
                if (root.TryGetProperty("tools", out JsonElement tools) && !MessagesTools.TryWriteTools(tools, writer, out error))
                    return false;
                if (root.TryGetProperty("tool_choice", out JsonElement choice) && !MessagesTools.TryWriteToolChoice(choice, writer, out error))
                    return false;

                writer.WriteStartArray("messages");
                if (root.TryGetProperty("system", out JsonElement system) && !TryWriteSystem(system, writer, out error))
                    return false;
                int index = 0;
                foreach (JsonElement message in messages.EnumerateArray())
                {
                    if (!MessagesContent.TryWriteMessage(message, $"messages.{index}", writer, out error))
                        return false;
                    index++;
                }
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            translated = new TranslatedRequest(buffer.WrittenSpan.ToArray(), modelName, stream);
            error = default;
            return true;
        }
    }

    private static bool TryWriteSystem(JsonElement system, Utf8JsonWriter writer, out AnthropicError error)
    {
        string? text;
        if (system.ValueKind == JsonValueKind.Array)
        {
            if (!MessagesContent.TryJoinText(system, "system", out text, out error))
                return false;
        }
        else if (system.ValueKind is JsonValueKind.String or JsonValueKind.Null)
            text = system.GetString() ?? "";
        else
            return Fail("system: Input should be a string or a list of text blocks.", out error);
        if (text.Length > 0)
        {
            writer.WriteStartObject();
            writer.WriteString("role", "system");
            writer.WriteString("content", text);
            writer.WriteEndObject();
        }
        error = default;
        return true;
    }

    internal static bool Fail(string message, out AnthropicError error)
    {
        error = AnthropicError.Invalid(message);
        return false;
    }

    /// <summary>A client's field name, cut and cleaned for an error message.</summary>
    internal static string Shown(string name) => ClientText.Problem(name, 64) is null ? name : "(an unreadable field name)";
}
