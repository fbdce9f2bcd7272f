using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>
/// The fields of a Gemini <c>GenerateContentRequest</c> the fake uses. Like Gemini, it refuses (400
/// INVALID_ARGUMENT) a request without <c>contents</c>, a turn with an unknown role or no parts, and a
/// temperature outside 0–2 or a maxOutputTokens below 1; other fields are read or skipped.
/// </summary>
internal sealed class GeminiRequest
{
    public int? MaxOutputTokens { get; private init; }

    /// <summary>For each turn (and the system instruction): ceil(UTF-8 bytes of its text / 4) + 3; at least 1.</summary>
    public int PromptTokens { get; private init; }

    /// <summary>The function the answer calls, or null for a text answer (see <see cref="Parse"/>).</summary>
    public string? FunctionToCall { get; private init; }

    /// <summary>
    /// Reads the body. The answer calls a function when the request declares functions, its
    /// <c>toolConfig</c> mode is not NONE, and the last turn is not the answer to a call (a
    /// <c>functionResponse</c>): the first allowed function, or else the first declared one.
    /// </summary>
    public static GeminiRequest Parse(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new GeminiFakeException("Invalid JSON payload received. Expected an object.");
        if (!root.TryGetProperty("contents", out JsonElement contents) || contents.ValueKind != JsonValueKind.Array || contents.GetArrayLength() == 0)
            throw new GeminiFakeException("* GenerateContentRequest.contents: contents is not specified\n");
        long tokens = 0;
        bool lastIsFunctionResponse = false;
        int index = 0;
        foreach (JsonElement content in contents.EnumerateArray())
        {
            string role = content.TryGetProperty("role", out JsonElement r) && r.ValueKind == JsonValueKind.String ? r.GetString()! : "user";
            if (role is not ("user" or "model"))
                throw new GeminiFakeException($"Please use a valid role: user, model. (contents[{index}].role = '{role}')");
            if (!content.TryGetProperty("parts", out JsonElement parts) || parts.ValueKind != JsonValueKind.Array || parts.GetArrayLength() == 0)
                throw new GeminiFakeException($"* GenerateContentRequest.contents[{index}].parts: contents.parts must not be empty.\n");
            tokens += TextTokens(parts) + 3;
            lastIsFunctionResponse = parts.EnumerateArray().Any(p => p.TryGetProperty("functionResponse", out _));
            index++;
        }
        if (root.TryGetProperty("systemInstruction", out JsonElement system) && system.TryGetProperty("parts", out JsonElement systemParts)
            && systemParts.ValueKind == JsonValueKind.Array)
            tokens += TextTokens(systemParts) + 3;

        int? maxOutput = null;
        if (root.TryGetProperty("generationConfig", out JsonElement config) && config.ValueKind == JsonValueKind.Object)
        {
            if (config.TryGetProperty("maxOutputTokens", out JsonElement max))
            {
                if (!max.TryGetInt32(out int value) || value < 1)
                    throw new GeminiFakeException("* GenerateContentRequest.generation_config.max_output_tokens: must be a positive integer.\n");
                maxOutput = value;
            }
            if (config.TryGetProperty("temperature", out JsonElement temperature) && (!temperature.TryGetDouble(out double t) || t is < 0 or > 2))
                throw new GeminiFakeException("* GenerateContentRequest.generation_config.temperature: temperature must be between 0 and 2.\n");
        }

        return new GeminiRequest
        {
            MaxOutputTokens = maxOutput,
            PromptTokens = (int)Math.Clamp(tokens, 1, int.MaxValue),
            FunctionToCall = lastIsFunctionResponse ? null : FunctionToCallOf(root),
        };
    }

    private static string? FunctionToCallOf(JsonElement root)
    {
        string? first = null;
        if (root.TryGetProperty("tools", out JsonElement tools) && tools.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement tool in tools.EnumerateArray())
            {
                if (tool.TryGetProperty("functionDeclarations", out JsonElement declarations) && declarations.ValueKind == JsonValueKind.Array
                    && declarations.GetArrayLength() > 0 && declarations[0].TryGetProperty("name", out JsonElement name))
                {
                    first = name.GetString();
                    break;
                }
            }
        }
        if (first is null)
            return null;
        if (root.TryGetProperty("toolConfig", out JsonElement toolConfig) && toolConfig.TryGetProperty("functionCallingConfig", out JsonElement calling))
        {
            if (calling.TryGetProperty("mode", out JsonElement mode) && mode.ValueEquals("NONE"))
                return null;
            if (calling.TryGetProperty("allowedFunctionNames", out JsonElement allowed) && allowed.ValueKind == JsonValueKind.Array && allowed.GetArrayLength() > 0)
                return allowed[0].GetString();
        }
        return first;
    }

    private static long TextTokens(JsonElement parts)
    {
        long bytes = 0;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            if (part.TryGetProperty("text", out JsonElement text) && text.ValueKind == JsonValueKind.String)
                bytes += Encoding.UTF8.GetByteCount(text.GetString()!);
        }
        return TokenEstimate.ForUtf8Bytes(bytes);
    }
}

/// <summary>A request Gemini would refuse: 400 INVALID_ARGUMENT with this message.</summary>
internal sealed class GeminiFakeException(string message) : Exception(message);
