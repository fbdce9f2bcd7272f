using System.Buffers;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Providers;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Validates an LLM request body and computes the upper bounds of docs/ARCHITECTURE.md ("Money"):
/// prompt tokens ≤ UTF-8 bytes of the whole body (+ per-message and per-image allowances) — a byte-level
/// tokenizer never makes more tokens than bytes, and the JSON body holds every prompt byte; output
/// tokens ≤ the request's max_tokens/max_completion_tokens (× n), or else the model's cap, which is then
/// written into the upstream request so the provider can't exceed it. Parses once (JsonDocument) and
/// rewrites only when a field must be added.
/// </summary>
internal sealed class RequestInspector(GatewayOptions options)
{
    private const long PerMessageTokens = 8;
    private const long FixedTokens = 16;
    private const int MaxCustomerLength = 256;

    public bool TryInspect(LlmEndpoint endpoint, ReadOnlyMemory<byte> body, ModelCatalog catalog, out InspectedRequest request, out CatalogModel model, out OpenAIError error)
    {
        request = null!;
        model = null!;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128 });
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
            if (!root.TryGetProperty("model", out JsonElement modelElement) || modelElement.ValueKind != JsonValueKind.String || modelElement.GetString() is not { Length: > 0 } modelName)
            {
                error = OpenAIError.BadRequest("You must provide a model parameter (a non-empty string).", "model", "missing_required_parameter");
                return false;
            }
            if (!catalog.TryFind(modelName, out model))
            {
                error = OpenAIError.NotFound($"The model '{modelName}' does not exist or you do not have access to it. GET /v1/models lists the models available.", "model_not_found", "model");
                return false;
            }
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
                if (streamOptions.ValueKind != JsonValueKind.Object || !TryOptionalBool(streamOptions, "include_usage", out clientWantsUsage, out error))
                {
                    error = OpenAIError.BadRequest("stream_options must be an object whose include_usage is a boolean.", "stream_options");
                    return false;
                }
            }

            long promptUpper = body.Length + FixedTokens;
            long outputUpper;
            string? outputFieldToSet = null;
            switch (endpoint)
            {
                case LlmEndpoint.ChatCompletions:
                    if (!TryChat(root, out long messageAllowance, out error))
                        return false;
                    promptUpper += messageAllowance;
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
                    break;
                default:
                    if (!root.TryGetProperty("input", out JsonElement input) || input.ValueKind is not (JsonValueKind.String or JsonValueKind.Array)
                        || (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() == 0))
                    {
                        error = OpenAIError.BadRequest("You must provide an input (a string, an array of strings, or token arrays).", "input", "missing_required_parameter");
                        return false;
                    }
                    outputUpper = 0;
                    break;
            }

            bool addUsageOption = stream && !clientWantsUsage;
            ReadOnlyMemory<byte> upstreamBody = outputFieldToSet is null && !addUsageOption
                ? body
                : Rewrite(root, outputFieldToSet, model.OutputCap, addUsageOption);
            long estimate = (body.Length + 3) / 4 + outputUpper;
            request = new InspectedRequest(modelName, stream, clientWantsUsage, promptUpper, outputUpper, estimate, customer, upstreamBody);
            error = default;
            return true;
        }
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
            if (customerId.ValueKind != JsonValueKind.String)
            {
                error = OpenAIError.BadRequest("metadata.customer_id must be a string.", "metadata.customer_id", "invalid_type");
                return false;
            }
            customer = customerId.GetString();
        }
        else if (root.TryGetProperty("user", out JsonElement user) && user.ValueKind != JsonValueKind.Null)
        {
            if (user.ValueKind != JsonValueKind.String)
            {
                error = OpenAIError.BadRequest("user must be a string.", "user", "invalid_type");
                return false;
            }
            customer = user.GetString();
        }
        if (customer is { Length: 0 })
            customer = null;
        if (customer is { Length: > MaxCustomerLength })
        {
            error = OpenAIError.BadRequest($"The customer id is {customer.Length} characters long; at most {MaxCustomerLength} are allowed.", "user", "invalid_value");
            return false;
        }
        return true;
    }

    private static ReadOnlyMemory<byte> Rewrite(JsonElement root, string? outputField, long outputCap, bool addUsageOption)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (addUsageOption && property.NameEquals("stream_options"))
                    continue;
                property.WriteTo(writer);
            }
            if (outputField is not null)
                writer.WriteNumber(outputField, outputCap);
            if (addUsageOption)
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
