using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Gemini;

/// <summary>
/// The request's top-level parameters: which ones Gemini serves, and its <c>generationConfig</c>.
/// Parameters are allowed by name: one Nemo does not know is refused rather than silently dropped
/// (a client would believe it applied). Those that only concern OpenAI's side or Nemo (user, metadata,
/// store: false, prompt_cache_key…) are accepted and not sent.
/// </summary>
internal static class GeminiParameters
{
    /// <summary>Parameters that change nothing in what Gemini is asked to produce (or are Nemo's own).</summary>
    private static readonly HashSet<string> Ignored = new(StringComparer.Ordinal)
    {
        "model", "messages", "stream", "stream_options", "user", "metadata", "prompt_cache_key", "safety_identifier",
    };

    /// <summary>Parameters translated here or by <see cref="GeminiTools"/>.</summary>
    private static readonly HashSet<string> Translated = new(StringComparer.Ordinal)
    {
        "max_tokens", "max_completion_tokens", "temperature", "top_p", "stop", "presence_penalty", "frequency_penalty", "seed",
        "response_format", "n", "tools", "tool_choice", "parallel_tool_calls", "logprobs", "top_logprobs", "logit_bias",
        "store", "service_tier", "modalities",
    };

    public static void Check(JsonElement request)
    {
        foreach (JsonProperty property in request.EnumerateObject())
        {
            string name = property.Name;
            JsonElement value = property.Value;
            if (Ignored.Contains(name))
                continue;
            if (!Translated.Contains(name))
            {
                if (value.ValueKind == JsonValueKind.Null)
                    continue;
                throw new GeminiRefusal(name, $"The parameter '{name}' can't be sent to this model");
            }
            switch (name)
            {
                case "n" when value.ValueKind == JsonValueKind.Number && value.GetInt64() > 1:
                    throw GeminiRefusal.Value(name, "n greater than 1 is not supported for this model; ask for one choice per request");
                case "logprobs" when value.ValueKind == JsonValueKind.True:
                    throw GeminiRefusal.Value(name, "logprobs are not supported for this model");
                case "top_logprobs" when value.ValueKind != JsonValueKind.Null:
                    throw GeminiRefusal.Value(name, "top_logprobs are not supported for this model");
                case "logit_bias" when value.ValueKind == JsonValueKind.Object && value.EnumerateObject().Any():
                    throw GeminiRefusal.Value(name, "logit_bias is not supported for this model");
                case "parallel_tool_calls" when value.ValueKind == JsonValueKind.False:
                    throw GeminiRefusal.Value(name, "parallel_tool_calls: false can't be enforced for this model");
                case "store" when value.ValueKind == JsonValueKind.True:
                    throw GeminiRefusal.Value(name, "store: true (OpenAI's stored completions) is not available for this model");
                case "service_tier" when value.ValueKind == JsonValueKind.String && !value.ValueEquals("auto") && !value.ValueEquals("default"):
                    throw GeminiRefusal.Value(name, "Only service_tier auto or default is available for this model");
                case "modalities" when value.ValueKind == JsonValueKind.Array && value.EnumerateArray().Any(m => !m.ValueEquals("text")):
                    throw GeminiRefusal.Value(name, "Only the text modality is available for this model");
                case "temperature" or "top_p" or "presence_penalty" or "frequency_penalty" or "seed" when value.ValueKind is not (JsonValueKind.Number or JsonValueKind.Null):
                    throw GeminiRefusal.Value(name, $"{name} must be a number");
                case "seed" when value.ValueKind == JsonValueKind.Number && !value.TryGetInt32(out _):
                    throw GeminiRefusal.Value(name, "seed must be a 32-bit integer for this model");
                case "stop":
                    CheckStop(value);
                    break;
                case "response_format":
                    CheckResponseFormat(value);
                    break;
            }
        }
    }

    private static void CheckStop(JsonElement stop)
    {
        if (stop.ValueKind is JsonValueKind.Null or JsonValueKind.String)
            return;
        if (stop.ValueKind != JsonValueKind.Array || stop.GetArrayLength() > 5 || stop.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            throw GeminiRefusal.Value("stop", "stop must be a string or at most 5 strings for this model");
    }

    private static void CheckResponseFormat(JsonElement format)
    {
        if (format.ValueKind == JsonValueKind.Null)
            return;
        string? type = format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        switch (type)
        {
            case "text" or "json_object":
                return;
            case "json_schema" when format.TryGetProperty("json_schema", out JsonElement spec) && spec.ValueKind == JsonValueKind.Object
                && spec.TryGetProperty("schema", out JsonElement schema) && schema.ValueKind is JsonValueKind.Object or JsonValueKind.True:
                return;
            case "json_schema":
                throw GeminiRefusal.Value("response_format.json_schema.schema", "response_format json_schema needs a schema object for this model");
            default:
                throw GeminiRefusal.Value("response_format.type", $"response_format type '{type}' is not supported for this model");
        }
    }

    /// <summary>
    /// <c>generationConfig</c>: maxOutputTokens (Nemo always sets a limit), temperature, topP,
    /// stopSequences, presence/frequency penalties, seed, and JSON output (<c>responseMimeType</c>, with
    /// a json_schema's schema as <c>responseJsonSchema</c>, which takes JSON Schema as it is).
    /// </summary>
    public static void WriteGenerationConfig(JsonElement request, Utf8JsonWriter writer)
    {
        writer.WriteStartObject("generationConfig");
        if ((Number(request, "max_completion_tokens") ?? Number(request, "max_tokens")) is { } limit)
            Copy(writer, "maxOutputTokens", limit);
        foreach ((string openAI, string gemini) in new[] { ("temperature", "temperature"), ("top_p", "topP"), ("presence_penalty", "presencePenalty"), ("frequency_penalty", "frequencyPenalty"), ("seed", "seed") })
        {
            if (Number(request, openAI) is { } value)
                Copy(writer, gemini, value);
        }
        if (request.TryGetProperty("stop", out JsonElement stop))
        {
            if (stop.ValueKind == JsonValueKind.String)
            {
                writer.WriteStartArray("stopSequences");
                stop.WriteTo(writer);
                writer.WriteEndArray();
            }
            else if (stop.ValueKind == JsonValueKind.Array && stop.GetArrayLength() > 0)
            {
                Copy(writer, "stopSequences", stop);
            }
        }
        if (request.TryGetProperty("response_format", out JsonElement format) && format.ValueKind == JsonValueKind.Object)
        {
            JsonElement type = format.GetProperty("type");
            if (type.ValueEquals("json_object") || type.ValueEquals("json_schema"))
                writer.WriteString("responseMimeType", "application/json");
            if (type.ValueEquals("json_schema"))
                Copy(writer, "responseJsonSchema", format.GetProperty("json_schema").GetProperty("schema"));
        }
        writer.WriteEndObject();
    }

    private static JsonElement? Number(JsonElement request, string name) =>
        request.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value : null;

    private static void Copy(Utf8JsonWriter writer, string name, JsonElement value)
    {
        writer.WritePropertyName(name);
        value.WriteTo(writer);
    }
}
