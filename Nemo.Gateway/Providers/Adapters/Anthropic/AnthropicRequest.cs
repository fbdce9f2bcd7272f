using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// An OpenAI chat-completions request (as Nemo validated it) as an Anthropic Messages API request:
/// system and developer messages become <c>system</c>; user and assistant content, assistant tool calls
/// and tool results become content blocks (<see cref="AnthropicMessages"/>); tools and tool choice
/// become Anthropic's (<see cref="AnthropicTools"/>); <c>max_completion_tokens</c>/<c>max_tokens</c>,
/// <c>temperature</c>, <c>top_p</c>, <c>stop</c>, <c>stream</c> and <c>user</c> carry over. A parameter
/// that would change the answer and has no Anthropic counterpart (n &gt; 1, logprobs, penalties,
/// JSON response formats, audio…) is refused, naming it, rather than silently dropped; parameters that
/// only concern OpenAI's side (store, seed, service_tier, stream_options, metadata) are dropped.
/// The same pass checks (<see cref="Refusal"/>, before anything is reserved) and writes (when the
/// deployment is called), so whatever was accepted can be written.
/// </summary>
internal static class AnthropicRequest
{
    /// <summary>Relaxed escaping: the body goes to a JSON API, never into HTML, and non-ASCII text stays compact.</summary>
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = false };

    /// <summary>Refused whatever their value (beyond null): they change the answer and Anthropic has nothing like them.</summary>
    private static readonly string[] Unsupported = ["audio", "prediction", "web_search_options", "functions", "function_call", "reasoning_effort", "top_logprobs", "verbosity"];

    /// <summary>Why the request can't be sent to Anthropic faithfully (a 400 naming the parameter), or null.</summary>
    public static OpenAIError? Refusal(JsonElement root)
    {
        using var writer = new Utf8JsonWriter(Stream.Null, WriterOptions);
        return TryWrite(root, writer, defaultMaxTokens: 1, out OpenAIError error) ? null : error;
    }

    /// <summary>The Anthropic body; throws if the request is one <see cref="Refusal"/> refuses (the proxy never sends those).</summary>
    public static byte[] Translate(ReadOnlyMemory<byte> body, long defaultMaxTokens)
    {
        using JsonDocument document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128 });
        var buffer = new ArrayBufferWriter<byte>(body.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            if (!TryWrite(document.RootElement, writer, defaultMaxTokens, out OpenAIError error))
                throw new InvalidOperationException("A request the Anthropic adapter refuses reached it: " + error.Message);
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static bool TryWrite(JsonElement root, Utf8JsonWriter writer, long defaultMaxTokens, out OpenAIError error)
    {
        try
        {
            return TryWriteCore(root, writer, defaultMaxTokens, out error);
        }
        catch (InvalidOperationException)
        {
            // A string System.Text.Json refuses to decode (a lone surrogate escape).
            error = OpenAIError.BadRequest("The request holds a string that is not valid Unicode text (a lone surrogate), which Anthropic can't take.", code: "invalid_value");
            return false;
        }
    }

    private static bool TryWriteCore(JsonElement root, Utf8JsonWriter writer, long defaultMaxTokens, out OpenAIError error)
    {
        foreach (string name in Unsupported)
        {
            if (root.TryGetProperty(name, out JsonElement value) && value.ValueKind != JsonValueKind.Null)
                return Refuse(name, $"{name} is not supported by this model's provider (Anthropic).", out error);
        }
        if (!TryCheckSampling(root, out error))
            return false;

        writer.WriteStartObject();
        if (root.TryGetProperty("model", out JsonElement model) && model.ValueKind == JsonValueKind.String)
        {
            writer.WritePropertyName("model");
            model.WriteTo(writer);
        }
        long maxTokens = Limit(root, "max_completion_tokens") ?? Limit(root, "max_tokens") ?? Math.Max(1, defaultMaxTokens);
        writer.WriteNumber("max_tokens", maxTokens);
        if (!AnthropicMessages.TryWrite(root.GetProperty("messages"), writer, out error))
            return false;
        if (!TryCopyNumber(root, "temperature", 0, 1, writer, out error) || !TryCopyNumber(root, "top_p", 0, 1, writer, out error))
            return false;
        if (!TryWriteStop(root, writer, out error))
            return false;
        if (root.TryGetProperty("stream", out JsonElement stream) && stream.ValueKind == JsonValueKind.True)
            writer.WriteBoolean("stream", true);
        if (!AnthropicTools.TryWrite(root, writer, out error))
            return false;
        if (root.TryGetProperty("user", out JsonElement user) && user.ValueKind == JsonValueKind.String && user.GetString() is { Length: > 0 })
        {
            writer.WriteStartObject("metadata");
            writer.WritePropertyName("user_id");
            user.WriteTo(writer);
            writer.WriteEndObject();
        }
        writer.WriteEndObject();
        return true;
    }

    /// <summary>Choices, log probabilities, penalties, biases and response formats Anthropic can't honour.</summary>
    private static bool TryCheckSampling(JsonElement root, out OpenAIError error)
    {
        error = default;
        if (root.TryGetProperty("n", out JsonElement n) && n.ValueKind != JsonValueKind.Null && !(n.ValueKind == JsonValueKind.Number && n.TryGetInt64(out long count) && count == 1))
            return Refuse("n", "n must be 1 for this model: its provider (Anthropic) returns one choice per request.", out error);
        if (root.TryGetProperty("logprobs", out JsonElement logprobs) && logprobs.ValueKind is not (JsonValueKind.Null or JsonValueKind.False))
            return Refuse("logprobs", "logprobs is not supported by this model's provider (Anthropic).", out error);
        foreach (string penalty in (ReadOnlySpan<string>)["frequency_penalty", "presence_penalty"])
        {
            if (root.TryGetProperty(penalty, out JsonElement value) && value.ValueKind != JsonValueKind.Null
                && !(value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && d == 0))
                return Refuse(penalty, $"{penalty} is not supported by this model's provider (Anthropic); leave it unset or 0.", out error);
        }
        if (root.TryGetProperty("logit_bias", out JsonElement bias) && bias.ValueKind != JsonValueKind.Null
            && !(bias.ValueKind == JsonValueKind.Object && !bias.EnumerateObject().Any()))
            return Refuse("logit_bias", "logit_bias is not supported by this model's provider (Anthropic).", out error);
        if (root.TryGetProperty("response_format", out JsonElement format) && format.ValueKind != JsonValueKind.Null
            && !(format.ValueKind == JsonValueKind.Object && format.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && type.ValueEquals("text"u8)))
            return Refuse("response_format", "response_format other than text (json_object, json_schema) is not supported by this model's provider (Anthropic).", out error);
        if (root.TryGetProperty("modalities", out JsonElement modalities) && modalities.ValueKind != JsonValueKind.Null
            && !(modalities.ValueKind == JsonValueKind.Array && modalities.EnumerateArray().All(m => m.ValueKind == JsonValueKind.String && m.ValueEquals("text"u8))))
            return Refuse("modalities", "modalities other than text are not supported by this model's provider (Anthropic).", out error);
        return true;
    }

    private static long? Limit(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long limit) && limit >= 1 ? limit : null;

    /// <summary>A number Anthropic takes in a narrower range than OpenAI (temperature is 0–2 at OpenAI, 0–1 at Anthropic).</summary>
    private static bool TryCopyNumber(JsonElement root, string name, double min, double max, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out double number) || number < min || number > max)
            return Refuse(name, $"{name} must be a number between {min} and {max} for this model: its provider (Anthropic) takes no other values.", out error, "invalid_value");
        writer.WritePropertyName(name);
        value.WriteTo(writer);
        return true;
    }

    private static bool TryWriteStop(JsonElement root, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        if (!root.TryGetProperty("stop", out JsonElement stop) || stop.ValueKind == JsonValueKind.Null)
            return true;
        if (stop.ValueKind == JsonValueKind.String)
        {
            writer.WriteStartArray("stop_sequences");
            stop.WriteTo(writer);
            writer.WriteEndArray();
            return true;
        }
        if (stop.ValueKind != JsonValueKind.Array || stop.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
            return Refuse("stop", "stop must be a string or an array of strings.", out error, "invalid_type");
        writer.WriteStartArray("stop_sequences");
        foreach (JsonElement sequence in stop.EnumerateArray())
            sequence.WriteTo(writer);
        writer.WriteEndArray();
        return true;
    }

    internal static bool Refuse(string param, string message, out OpenAIError error, string code = "unsupported_parameter")
    {
        error = OpenAIError.BadRequest(message, param, code);
        return false;
    }
}
