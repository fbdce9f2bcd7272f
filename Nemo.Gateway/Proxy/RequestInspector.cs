using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Validates an LLM request body and computes the upper bounds of docs/ARCHITECTURE.md ("Money"):
/// prompt tokens ≤ UTF-8 bytes of the whole body (+ per-message and per-image allowances) — a byte-level
/// tokenizer never makes more tokens than bytes, and the JSON body holds every prompt byte — or, when every
/// deployment the model may reach has a known tokenizer, its exact token count (<see cref="PromptTokenBound"/>); output
/// tokens ≤ the request's max_tokens/max_completion_tokens (× n), or else the model's cap, which is then
/// written into the upstream request so the provider can't exceed it. Parses once (JsonDocument) and
/// rewrites only when a field must be added, keeping every field it does not own. A body with a
/// duplicated property is refused: Nemo and the provider could read different values from it (a small
/// max_tokens for the reservation, a large one upstream). Client strings that can reach storage (model,
/// customer id) must be valid text (<see cref="ClientText"/>). A request's own fallback models
/// (<c>models</c>) are checked here and never sent upstream.
/// </summary>
internal sealed class RequestInspector(GatewayOptions options)
{
    private const long PerMessageTokens = 8;
    private const long FixedTokens = 16;

    public bool TryInspect(LlmEndpoint endpoint, ReadOnlyMemory<byte> body, ModelCatalog catalog, out InspectedRequest request, out CatalogModel model, out OpenAIError error)
    {
        request = null!;
        model = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128, AllowDuplicateProperties = false });
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
            {
                error = OpenAIError.BadRequest("The request body must be a JSON object.", code: "invalid_json");
                return false;
            }
            if (!root.TryGetProperty("model", out JsonElement modelElement) || modelElement.ValueKind != JsonValueKind.String)
            {
                error = OpenAIError.BadRequest("You must provide a model parameter (a non-empty string).", "model", "missing_required_parameter");
                return false;
            }
            if (!TryText(modelElement, "model", 256, out string? modelName, out error))
                return false;
            if (modelName is not { Length: > 0 })
            {
                error = OpenAIError.BadRequest("You must provide a model parameter (a non-empty string).", "model", "missing_required_parameter");
                return false;
            }
            if (!catalog.TryFind(modelName, out model))
            {
                error = OpenAIError.NotFound($"The model '{modelName}' does not exist or you do not have access to it. GET /v1/models lists the models available.", "model_not_found", "model");
                return false;
            }
            if (!catalog.Serves(modelName, endpoint))
            {
                error = OpenAIError.BadRequest($"The model '{modelName}' is not served on /v1/{endpoint.UpstreamPath()}: its providers don't offer that API.", "model", "unsupported_endpoint");
                return false;
            }
            if (!TryFallbacks(root, modelName, endpoint, catalog, out string[]? fallbacks, out bool sentModels, out error))
                return false;
            if (!TryCustomer(root, out string? customer, out error))
                return false;
            if (!TryOptionalBool(root, "stream", out bool stream, out error))
                return false;
            if (stream && endpoint == LlmEndpoint.Embeddings)
            {
                error = OpenAIError.BadRequest("Embeddings cannot be streamed.", "stream");
                return false;
            }
            bool clientWantsUsage = false;
            if (root.TryGetProperty("stream_options", out JsonElement streamOptions) && streamOptions.ValueKind != JsonValueKind.Null)
            {
                if (streamOptions.ValueKind != JsonValueKind.Object || !TryOptionalBool(streamOptions, "include_usage", out clientWantsUsage, out _))
                {
                    error = OpenAIError.BadRequest("stream_options must be an object whose include_usage is a boolean.", "stream_options");
                    return false;
                }
            }

            // With every reachable deployment's tokenizer known, the prompt is bounded by its exact count
            // (PromptTokenBound, docs/decisions/0024-exact-prompt-bounds.md); else by its bytes.
            IReadOnlyList<PromptEncoding>? encodings = catalog.PromptEncodings(modelName, fallbacks);
            long promptUpper = body.Length + FixedTokens;
            long outputUpper;
            string? outputFieldToSet = null;
            switch (endpoint)
            {
                case LlmEndpoint.ChatCompletions:
                    if (!TryChat(root, out long messageAllowance, out error))
                        return false;
                    promptUpper = encodings is null ? promptUpper + messageAllowance : PromptTokenBound.Chat(root, encodings, options.ImageTokenAllowance);
                    if (!TryOutputLimit(root, "max_completion_tokens", out long? maxCompletion, out error) || !TryOutputLimit(root, "max_tokens", out long? maxTokens, out error))
                        return false;
                    if (!TryChoices(root, "n", out long n, out error))
                        return false;
                    long? explicitLimit = maxCompletion ?? maxTokens;
                    if (explicitLimit is null)
                        outputFieldToSet = model.OutputLimitField;
                    outputUpper = (explicitLimit ?? model.OutputCap) * n;
                    break;
                case LlmEndpoint.Completions:
                    if (!root.TryGetProperty("prompt", out JsonElement prompt) || prompt.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
                    {
                        error = OpenAIError.BadRequest("You must provide a prompt (a string, an array of strings, or token arrays).", "prompt", "missing_required_parameter");
                        return false;
                    }
                    if (!TryOutputLimit(root, "max_tokens", out long? legacyMax, out error) || !TryChoices(root, "n", out long choices, out error) || !TryChoices(root, "best_of", out long bestOf, out error))
                        return false;
                    // The legacy endpoint's own default is 16 tokens; a prompt array multiplies the choices.
                    long prompts = prompt.ValueKind == JsonValueKind.Array ? Math.Max(1, prompt.GetArrayLength()) : 1;
                    outputUpper = (legacyMax ?? 16) * Math.Max(choices, bestOf) * prompts;
                    if (encodings is not null)
                        promptUpper = PromptTokenBound.Completion(root, encodings);
                    break;
                default:
                    if (!root.TryGetProperty("input", out JsonElement input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array)
                        || (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() == 0))
                    {
                        error = OpenAIError.BadRequest("You must provide an input (a string, an array of strings, or token arrays).", "input", "missing_required_parameter");
                        return false;
                    }
                    outputUpper = 0;
                    if (encodings is not null)
                        promptUpper = PromptTokenBound.Embedding(root, encodings);
                    break;
            }

            if (catalog.Refuses(modelName, endpoint, root) is { } refusal)
            {
                error = refusal; // a provider that can't serve the request faithfully: refused before anything is reserved
                return false;
            }

            bool addUsageOption = stream && !clientWantsUsage;
            ReadOnlyMemory<byte> upstreamBody = outputFieldToSet is null && !addUsageOption && !sentModels
                ? body
                : Rewrite(root, outputFieldToSet, model.OutputCap, addUsageOption);
            long estimate = (encodings is null ? (body.Length + 3) / 4 : promptUpper) + outputUpper;
            request = new InspectedRequest(modelName, stream, clientWantsUsage, promptUpper, outputUpper, estimate, customer, upstreamBody, fallbacks);
            error = default;
            return true;
        }
    }

    /// <summary>Most models a request's own fallback list (<c>models</c>) may name.</summary>
    public const int MaxFallbackModels = 5;

    /// <summary>
    /// The request's own fallbacks, as OpenRouter's <c>models</c>: an array of at most
    /// <see cref="MaxFallbackModels"/> distinct names of catalog models that serve the endpoint, tried in
    /// order after <c>model</c> instead of the configured fallbacks. Absent or null: the configured ones
    /// (<paramref name="fallbacks"/> null); the request's own model in the list is dropped (it is tried first
    /// anyway); an empty array means no fallback. <paramref name="sent"/> says the field is in the body
    /// (it is removed from what goes upstream: providers refuse fields they don't know).
    /// </summary>
    private static bool TryFallbacks(JsonElement root, string modelName, LlmEndpoint endpoint, ModelCatalog catalog, out string[]? fallbacks, out bool sent,
        out OpenAIError error)
    {
        fallbacks = null;
        error = default;
        sent = root.TryGetProperty("models", out JsonElement models);
        if (!sent || models.ValueKind == JsonValueKind.Null)
            return true;
        if (models.ValueKind != JsonValueKind.Array)
        {
            error = OpenAIError.BadRequest("models must be an array of model names (the fallbacks to try, in order, after model).", "models", "invalid_type");
            return false;
        }
        if (models.GetArrayLength() > MaxFallbackModels)
        {
            error = OpenAIError.BadRequest($"models may name at most {MaxFallbackModels} models (got {models.GetArrayLength()}).", "models", "invalid_value");
            return false;
        }
        var list = new List<string>(models.GetArrayLength());
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement item in models.EnumerateArray())
        {
            string param = $"models[{index++}]";
            if (!TryText(item, param, 256, out string? name, out error))
                return false;
            if (name is not { Length: > 0 })
            {
                error = OpenAIError.BadRequest($"{param} must be a model name (a non-empty string).", param, "invalid_value");
                return false;
            }
            if (!seen.Add(name))
            {
                error = OpenAIError.BadRequest($"{param} names '{name}' a second time; list each fallback model once.", param, "invalid_value");
                return false;
            }
            if (!catalog.TryFind(name, out _))
            {
                error = OpenAIError.BadRequest($"{param}: the model '{name}' does not exist or you do not have access to it. GET /v1/models lists the models available.", param, "model_not_found");
                return false;
            }
            if (!catalog.Serves(name, endpoint))
            {
                error = OpenAIError.BadRequest($"{param}: the model '{name}' is not served on /v1/{endpoint.UpstreamPath()}: its providers don't offer that API.", param, "unsupported_endpoint");
                return false;
            }
            if (catalog.Refuses(name, endpoint, root) is { } refusal)
            {
                error = refusal;
                return false;
            }
            if (name != modelName)
                list.Add(name);
        }
        fallbacks = [.. list];
        return true;
    }

    /// <summary>
    /// The prompt bound of a body Nemo changed after inspecting it (a guardrail's masks), when the model's prompts are
    /// counted exactly; null when they are bounded by bytes. A mask may make more tokens than the text it replaced
    /// even when it has fewer bytes, so the exact bound is counted again.
    /// </summary>
    public long? RecountPrompt(LlmEndpoint endpoint, ReadOnlyMemory<byte> body, ModelCatalog catalog, string model, IReadOnlyList<string>? requestFallbacks)
    {
        if (catalog.PromptEncodings(model, requestFallbacks) is not { } encodings)
            return null;
        using JsonDocument document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128 });
        return endpoint switch
        {
            LlmEndpoint.ChatCompletions => PromptTokenBound.Chat(document.RootElement, encodings, options.ImageTokenAllowance),
            LlmEndpoint.Completions => PromptTokenBound.Completion(document.RootElement, encodings),
            _ => PromptTokenBound.Embedding(document.RootElement, encodings),
        };
    }

    private bool TryChat(JsonElement root, out long allowance, out OpenAIError error)
    {
        allowance = 0;
        if (!root.TryGetProperty("messages", out JsonElement messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            error = OpenAIError.BadRequest("You must provide messages: a non-empty array.", "messages", "missing_required_parameter");
            return false;
        }
        int index = 0;
        foreach (JsonElement message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out JsonElement role) || role.ValueKind != JsonValueKind.String)
            {
                error = OpenAIError.BadRequest($"messages[{index}] must be an object with a string role.", $"messages[{index}]");
                return false;
            }
            allowance += PerMessageTokens;
            if (message.TryGetProperty("content", out JsonElement content) && content.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement part in content.EnumerateArray())
                {
                    if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
                        && type.ValueEquals("image_url"u8))
                        allowance += options.ImageTokenAllowance;
                }
            }
            index++;
        }
        error = default;
        return true;
    }

    private static bool TryOutputLimit(JsonElement root, string name, out long? limit, out OpenAIError error)
    {
        limit = null;
        error = default;
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out long parsed) || parsed < 1 || parsed > 10_000_000)
        {
            error = OpenAIError.BadRequest($"{name} must be an integer between 1 and 10000000.", name, "invalid_value");
            return false;
        }
        limit = parsed;
        return true;
    }

    private static bool TryChoices(JsonElement root, string name, out long count, out OpenAIError error)
    {
        count = 1;
        error = default;
        if (!root.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return true;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out count) || count < 1 || count > 128)
        {
            error = OpenAIError.BadRequest($"{name} must be an integer between 1 and 128.", name, "invalid_value");
            return false;
        }
        return true;
    }

    private static bool TryOptionalBool(JsonElement obj, string name, out bool value, out OpenAIError error)
    {
        value = false;
        error = default;
        if (!obj.TryGetProperty(name, out JsonElement element) || element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be a boolean.", name, "invalid_type");
        return false;
    }

    /// <summary><c>metadata.customer_id</c>, else <c>user</c> (the header, if any, is applied by the caller and wins).</summary>
    private static bool TryCustomer(JsonElement root, out string? customer, out OpenAIError error)
    {
        customer = null;
        error = default;
        if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("customer_id", out JsonElement customerId) && customerId.ValueKind != JsonValueKind.Null)
        {
            if (!TryText(customerId, "metadata.customer_id", ClientText.MaxCustomerLength, out customer, out error))
                return false;
        }
        else if (root.TryGetProperty("user", out JsonElement user) && user.ValueKind != JsonValueKind.Null)
        {
            if (!TryText(user, "user", ClientText.MaxCustomerLength, out customer, out error))
                return false;
        }
        if (customer is { Length: 0 })
            customer = null;
        return true;
    }

    /// <summary>A string field that must be valid text of at most <paramref name="maxLength"/> characters.</summary>
    private static bool TryText(JsonElement element, string param, int maxLength, out string? text, out OpenAIError error)
    {
        text = null;
        error = default;
        if (element.ValueKind != JsonValueKind.String)
        {
            error = OpenAIError.BadRequest($"{param} must be a string.", param, "invalid_type");
            return false;
        }
        try
        {
            text = element.GetString()!;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode a lone surrogate escape ("\ud800").
            error = OpenAIError.BadRequest($"{param} is not valid Unicode text (it contains a lone surrogate).", param, "invalid_value");
            return false;
        }
        if (ClientText.Problem(text, maxLength) is { } problem)
        {
            error = OpenAIError.BadRequest($"{param} {problem}.", param, "invalid_value");
            text = null;
            return false;
        }
        return true;
    }

    /// <summary>
    /// The body with the output limit set and/or usage asked for, without <c>models</c>. Every other field is copied as sent;
    /// stream_options keeps its other fields; a null output-limit field is replaced, not duplicated.
    /// </summary>
    private static ReadOnlyMemory<byte> Rewrite(JsonElement root, string? outputField, long outputCap, bool addUsageOption)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            bool wroteStreamOptions = false;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (property.NameEquals("models"))
                    continue; // the request's own fallbacks are Nemo's to read; providers refuse the field
                if (outputField is not null && (property.NameEquals("max_tokens") || property.NameEquals("max_completion_tokens"))
                    && property.Value.ValueKind == JsonValueKind.Null)
                    continue; // Nemo owns the limit now; a null one would sit beside it
                if (addUsageOption && property.NameEquals("stream_options"))
                {
                    writer.WriteStartObject("stream_options");
                    if (property.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (JsonProperty option in property.Value.EnumerateObject())
                        {
                            if (!option.NameEquals("include_usage"))
                                option.WriteTo(writer);
                        }
                    }
                    writer.WriteBoolean("include_usage", true);
                    writer.WriteEndObject();
                    wroteStreamOptions = true;
                    continue;
                }
                // Copied byte for byte: JsonProperty.WriteTo refuses a lone surrogate escape ("\ud800") in a message,
                // which the provider accepts (and Nemo counts by its bytes).
                writer.WritePropertyName(property.Name);
                writer.WriteRawValue(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(property.Value), skipInputValidation: true);
            }
            if (outputField is not null)
                writer.WriteNumber(outputField, outputCap);
            if (addUsageOption && !wroteStreamOptions)
            {
                writer.WriteStartObject("stream_options");
                writer.WriteBoolean("include_usage", true);
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }
}
