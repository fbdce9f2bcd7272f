using System.Text;
using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// OpenAI's <c>messages</c> as Gemini's <c>contents</c> and <c>systemInstruction</c>:
/// <list type="bullet">
/// <item>system and developer messages become <c>systemInstruction</c>'s parts, in order (Gemini has one
/// instruction for the whole conversation, so one sent mid-conversation applies to all of it);</item>
/// <item>user → role <c>user</c>: text, <c>image_url</c> data: URLs, <c>input_audio</c> and <c>file</c>
/// data as <c>inlineData</c> (an http(s) image or a file id would have to be fetched: refused);</item>
/// <item>assistant → role <c>model</c>: its text, and each tool call as a <c>functionCall</c> part;</item>
/// <item>tool → a <c>functionResponse</c> part in a user turn, named after the earlier tool call it answers
/// (its content as the response object when it is a JSON object, else <c>{"result": text}</c>).</item>
/// </list>
/// Consecutive messages of the same Gemini role are merged into one turn (Gemini expects the responses to
/// one turn's calls together), and a message without any part adds none. A message's <c>name</c> has no
/// equivalent and is dropped.
/// </summary>
internal static class GeminiMessages
{
    public static void Write(JsonElement messages, Utf8JsonWriter writer)
    {
        var system = new List<JsonElement>();
        var callNames = new Dictionary<string, string>(StringComparer.Ordinal);
        var turns = new Turns(writer);
        writer.WriteStartArray("contents");
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            string param = $"messages[{index++}]";
            string role = message.GetProperty("role").GetString() ?? "";
            switch (role)
            {
                case "system" or "developer":
                    CollectSystem(message, param, system);
                    break;
                case "user":
                    WriteUser(message, param, turns);
                    break;
                case "assistant":
                    WriteAssistant(message, param, turns, callNames);
                    break;
                case "tool":
                    WriteToolResult(message, param, turns, callNames);
                    break;
                default:
                    throw GeminiRefusal.Value(param + ".role", $"Messages of role '{role}' are not supported for this model");
            }
        }
        turns.End();
        writer.WriteEndArray();
        if (system.Count > 0)
        {
            writer.WriteStartObject("systemInstruction");
            writer.WriteStartArray("parts");
            foreach (JsonElement text in system)
            {
                writer.WriteStartObject();
                WriteText(writer, text);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void CollectSystem(JsonElement message, string param, List<JsonElement> system)
    {
        JsonElement content = Content(message, param);
        if (content.ValueKind == JsonValueKind.String)
        {
            system.Add(content);
            return;
        }
        int index = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            system.Add(TextOf(part, $"{param}.content[{index++}]"));
        }
    }

    private static void WriteUser(JsonElement message, string param, Turns turns)
    {
        JsonElement content = Content(message, param);
        if (content.ValueKind == JsonValueKind.String)
        {
            WriteText(turns.Part("user"), content);
            turns.EndPart();
            return;
        }
        int index = 0;
        foreach (JsonElement part in content.EnumerateArray())
        {
            string partParam = $"{param}.content[{index++}]";
            string type = PartType(part, partParam);
            switch (type)
            {
                case "text":
                    WriteText(turns.Part("user"), TextOf(part, partParam));
                    break;
                case "image_url":
                    JsonElement image = part.TryGetProperty("image_url", out JsonElement i) ? i : default;
                    string url = image.ValueKind == JsonValueKind.Object && image.TryGetProperty("url", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString()! : "";
                    if (!DataUrl.TryParse(url, out string mime, out string data))
                        throw GeminiRefusal.Value(partParam + ".image_url.url", "Images must be sent inline as data: URLs (data:image/png;base64,…) for this model; it can't fetch image URLs");
                    WriteInline(turns.Part("user"), mime, data);
                    break;
                case "input_audio":
                    JsonElement audio = part.TryGetProperty("input_audio", out JsonElement a) ? a : default;
                    if (audio.ValueKind != JsonValueKind.Object || !audio.TryGetProperty("data", out JsonElement audioData) || audioData.ValueKind != JsonValueKind.String
                        || !audio.TryGetProperty("format", out JsonElement format) || AudioMime(format) is not { } audioMime)
                        throw GeminiRefusal.Value(partParam + ".input_audio", "input_audio needs base64 data and a format of wav or mp3");
                    WriteInline(turns.Part("user"), audioMime, audioData.GetString()!);
                    break;
                case "file":
                    JsonElement file = part.TryGetProperty("file", out JsonElement f) ? f : default;
                    string fileData = file.ValueKind == JsonValueKind.Object && file.TryGetProperty("file_data", out JsonElement fd) && fd.ValueKind == JsonValueKind.String ? fd.GetString()! : "";
                    if (!DataUrl.TryParse(fileData, out string fileMime, out string fileBase64))
                        throw GeminiRefusal.Value(partParam + ".file", "Files must be sent inline as file_data data: URLs for this model (file ids can't be fetched)");
                    WriteInline(turns.Part("user"), fileMime, fileBase64);
                    break;
                default:
                    throw GeminiRefusal.Value(partParam + ".type", $"Content parts of type '{type}' are not supported for this model");
            }
            turns.EndPart();
        }
    }

    private static void WriteAssistant(JsonElement message, string param, Turns turns, Dictionary<string, string> callNames)
    {
        foreach (string unsupported in new[] { "function_call", "audio" })
        {
            if (message.TryGetProperty(unsupported, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
                throw new GeminiRefusal($"{param}.{unsupported}", $"An assistant message's {unsupported} is not supported for this model");
        }
        if (message.TryGetProperty("content", out JsonElement content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                if (!content.ValueEquals(""))
                {
                    WriteText(turns.Part("model"), content);
                    turns.EndPart();
                }
            }
            else if (content.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement part in content.EnumerateArray())
                {
                    string partParam = $"{param}.content[{index++}]";
                    string type = PartType(part, partParam);
                    JsonElement text = type switch
                    {
                        "text" => TextOf(part, partParam),
                        "refusal" when part.TryGetProperty("refusal", out JsonElement r) && r.ValueKind == JsonValueKind.String => r,
                        _ => throw GeminiRefusal.Value(partParam + ".type", $"Assistant content parts of type '{type}' are not supported for this model"),
                    };
                    WriteText(turns.Part("model"), text);
                    turns.EndPart();
                }
            }
            else if (content.ValueKind != JsonValueKind.Null)
            {
                throw GeminiRefusal.Value(param + ".content", "content must be a string, an array of parts or null");
            }
        }
        if (!message.TryGetProperty("tool_calls", out JsonElement calls) || calls.ValueKind == JsonValueKind.Null)
            return;
        if (calls.ValueKind != JsonValueKind.Array)
            throw GeminiRefusal.Value(param + ".tool_calls", "tool_calls must be an array");
        int callIndex = 0;
        foreach (JsonElement call in calls.EnumerateArray())
        {
            string callParam = $"{param}.tool_calls[{callIndex++}]";
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out JsonElement function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out JsonElement name) || name.ValueKind != JsonValueKind.String)
                throw GeminiRefusal.Value(callParam, "A tool call needs function.name and function.arguments");
            if (call.TryGetProperty("type", out JsonElement type) && !type.ValueEquals("function"))
                throw GeminiRefusal.Value(callParam + ".type", "Only function tool calls are supported for this model");
            if (call.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
                callNames[id.GetString()!] = name.GetString()!;
            string arguments = function.TryGetProperty("arguments", out JsonElement a) && a.ValueKind == JsonValueKind.String ? a.GetString()! : "";
            Utf8JsonWriter writer = turns.Part("model");
            writer.WriteStartObject("functionCall");
            writer.WritePropertyName("name");
            name.WriteTo(writer);
            writer.WritePropertyName("args");
            WriteArguments(writer, arguments, callParam + ".function.arguments");
            writer.WriteEndObject();
            turns.EndPart();
        }
    }

    private static void WriteToolResult(JsonElement message, string param, Turns turns, Dictionary<string, string> callNames)
    {
        if (!message.TryGetProperty("tool_call_id", out JsonElement id) || id.ValueKind != JsonValueKind.String
            || !callNames.TryGetValue(id.GetString()!, out string? name))
            throw GeminiRefusal.Value(param + ".tool_call_id", "A tool message must answer a tool call of an earlier assistant message (Gemini needs the function's name)");
        JsonElement content = Content(message, param);
        string text;
        if (content.ValueKind == JsonValueKind.String)
        {
            text = content.GetString()!;
        }
        else
        {
            var joined = new StringBuilder();
            int index = 0;
            foreach (JsonElement part in content.EnumerateArray())
                joined.Append(TextOf(part, $"{param}.content[{index++}]").GetString());
            text = joined.ToString();
        }
        Utf8JsonWriter writer = turns.Part("user");
        writer.WriteStartObject("functionResponse");
        writer.WriteString("name", name);
        writer.WritePropertyName("response");
        if (JsonObject(text) is { } document)
        {
            using (document)
                document.RootElement.WriteTo(writer);
        }
        else
        {
            writer.WriteStartObject();
            writer.WriteString("result", text);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        turns.EndPart();
    }

    /// <summary>A tool call's arguments (JSON text) as Gemini's <c>args</c> object; empty text is no arguments.</summary>
    private static void WriteArguments(Utf8JsonWriter writer, string arguments, string param)
    {
        if (string.IsNullOrWhiteSpace(arguments))
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }
        using JsonDocument document = JsonObject(arguments) ?? throw GeminiRefusal.Value(param, "Tool call arguments must be a JSON object for this model");
        document.RootElement.WriteTo(writer);
    }

    private static JsonDocument? JsonObject(string text)
    {
        try
        {
            JsonDocument document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            if (document.RootElement.ValueKind == JsonValueKind.Object)
                return document;
            document.Dispose();
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private static JsonElement Content(JsonElement message, string param)
    {
        if (!message.TryGetProperty("content", out JsonElement content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
            throw GeminiRefusal.Value(param + ".content", "This message needs content: a string or an array of parts");
        return content;
    }

    private static string PartType(JsonElement part, string param) =>
        part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()!
            : throw GeminiRefusal.Value(param, "A content part must be an object with a type");

    private static JsonElement TextOf(JsonElement part, string param) =>
        PartType(part, param) == "text" && part.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String
            ? text
            : throw GeminiRefusal.Value(param, "Only text parts are supported here");

    private static string? AudioMime(JsonElement format) =>
        format.ValueEquals("wav") ? "audio/wav" : format.ValueEquals("mp3") ? "audio/mp3" : null;

    /// <summary>A text part's field, inside the part object (the text copied as the client escaped it).</summary>
    private static void WriteText(Utf8JsonWriter writer, JsonElement text)
    {
        writer.WritePropertyName("text");
        text.WriteTo(writer);
    }

    private static void WriteInline(Utf8JsonWriter writer, string mime, string data)
    {
        writer.WriteStartObject("inlineData");
        writer.WriteString("mimeType", mime);
        writer.WriteString("data", data);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Writes parts into Gemini turns, opening a new turn only when the role changes, so a message
    /// without parts opens none and consecutive messages of one role share a turn.
    /// </summary>
    private sealed class Turns(Utf8JsonWriter writer)
    {
        private string? _role;

        /// <summary>Opens (if needed) a turn of the role and the next part object; returns the writer inside it.</summary>
        public Utf8JsonWriter Part(string role)
        {
            if (_role != role)
            {
                End();
                writer.WriteStartObject();
                writer.WriteString("role", role);
                writer.WriteStartArray("parts");
                _role = role;
            }
            writer.WriteStartObject();
            return writer;
        }

        public void EndPart() => writer.WriteEndObject();

        public void End()
        {
            if (_role is null)
                return;
            writer.WriteEndArray();
            writer.WriteEndObject();
            _role = null;
        }
    }
}
