using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Experiments;
using Nemo.Gateway.Prompts;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Policies;

/// <summary>
/// Applies an organization's prompt templates and experiments to a request body before it is inspected,
/// from memory only:
/// <list type="bullet">
/// <item>a running experiment that matches the request's template (first) or model assigns a variant,
/// sticky per customer (the <c>x-nemo-customer-id</c> header, else <c>metadata.customer_id</c>, else
/// <c>user</c>; a request without a customer is assigned by its request id); the variant may replace the
/// model and, for a template experiment, the template version;</item>
/// <item>a chat request's <c>"prompt": {"id", "version"?, "variables"?}</c> (OpenAI's Responses API shape;
/// <c>version</c> is a number or a label, absent means the latest) is rendered: a string template becomes a
/// system message placed before the request's messages, a message-array template is prepended as it is;
/// <c>prompt</c> is removed from what goes upstream.</item>
/// </list>
/// A request naming no template, in an organization with no running experiment, is not parsed here at all.
/// </summary>
internal static class RequestRewriter
{
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static bool TryRewrite(OrganizationPolicies policies, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, string? headerCustomer, Guid requestId,
        out ReadOnlyMemory<byte> rewritten, out ExperimentAssignment? assignment, out OpenAIError error)
    {
        rewritten = body;
        assignment = null;
        error = default;
        bool mayHavePrompt = endpoint == LlmEndpoint.ChatCompletions && body.Span.IndexOf("\"prompt\""u8) >= 0;
        if (!mayHavePrompt && policies.Experiments.Count == 0)
            return true;
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128, AllowDuplicateProperties = false });
        }
        catch (JsonException)
        {
            return true; // the inspector answers with the precise error
        }
        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                return true;
            string? model = root.TryGetProperty("model", out JsonElement m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;

            PromptEntry? prompt = null;
            string? versionText = null;
            JsonElement variables = default;
            bool hasPrompt = mayHavePrompt && root.TryGetProperty("prompt", out JsonElement reference) && reference.ValueKind != JsonValueKind.Null;
            if (hasPrompt && !TryReference(policies, root.GetProperty("prompt"), out prompt, out versionText, out variables, out error))
                return false;

            ExperimentEntry? experiment = policies.ExperimentFor(prompt?.Id, model);
            ExperimentVariant? variant = null;
            if (experiment is not null)
            {
                string sticky = headerCustomer ?? BodyCustomer(root) ?? requestId.ToString();
                variant = experiment.Assign(sticky);
                assignment = new ExperimentAssignment(experiment.Id, variant.Name);
            }
            string? modelOverride = variant?.Model;
            if (prompt is not null && variant?.PromptVersion is { } pinned && experiment!.MatchPromptId == prompt.Id)
                versionText = pinned.ToString(System.Globalization.CultureInfo.InvariantCulture);

            (string Role, string Content)[]? rendered = null;
            if (prompt is not null)
            {
                if (!prompt.TryResolve(versionText, out int version, out PromptTemplate? template))
                {
                    error = OpenAIError.BadRequest($"Prompt template '{prompt.Id}' has no version or label '{versionText}'.", "prompt.version", "prompt_version_not_found");
                    return false;
                }
                if (!TryVariables(variables, out Dictionary<string, string> values, out error))
                    return false;
                if (!template!.TryRender(values, out rendered, out string? problem))
                {
                    error = OpenAIError.BadRequest($"{problem} (template '{prompt.Id}' version {version}).", "prompt.variables", "invalid_prompt_variables");
                    return false;
                }
            }
            if (rendered is null && modelOverride is null)
                return true;
            rewritten = Rewrite(root, rendered, modelOverride);
            return true;
        }
    }

    private static bool TryReference(OrganizationPolicies policies, JsonElement reference, out PromptEntry? prompt, out string? version, out JsonElement variables, out OpenAIError error)
    {
        prompt = null;
        version = null;
        variables = default;
        error = default;
        if (reference.ValueKind != JsonValueKind.Object)
        {
            error = OpenAIError.BadRequest("prompt must be an object {\"id\", \"version\"?, \"variables\"?}.", "prompt", "invalid_type");
            return false;
        }
        foreach (JsonProperty property in reference.EnumerateObject())
        {
            if (property.Name is not ("id" or "version" or "variables"))
            {
                error = OpenAIError.BadRequest($"prompt has an unknown field '{property.Name}' (id, version, variables).", $"prompt.{property.Name}", "unknown_parameter");
                return false;
            }
        }
        if (!reference.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.String || !Guid.TryParse(id.GetString(), out Guid promptId))
        {
            error = OpenAIError.BadRequest("prompt.id is required: the id of one of this organization's prompt templates (GET /v1/prompts).", "prompt.id", "missing_required_parameter");
            return false;
        }
        // Another organization's template is simply not in this organization's snapshot: the same answer as no template.
        if (!policies.Prompts.TryGetValue(promptId, out prompt))
        {
            error = OpenAIError.BadRequest($"No prompt template '{promptId}' in this organization.", "prompt.id", "prompt_not_found");
            return false;
        }
        if (reference.TryGetProperty("version", out JsonElement v) && v.ValueKind != JsonValueKind.Null)
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int number) && number >= 1)
                version = number.ToString(System.Globalization.CultureInfo.InvariantCulture);
            else if (v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 and <= 64 } text)
                version = text;
            else
            {
                error = OpenAIError.BadRequest("prompt.version must be a version number or a label (e.g. \"3\" or \"production\").", "prompt.version", "invalid_value");
                return false;
            }
        }
        if (reference.TryGetProperty("variables", out JsonElement vars) && vars.ValueKind != JsonValueKind.Null)
        {
            if (vars.ValueKind != JsonValueKind.Object)
            {
                error = OpenAIError.BadRequest("prompt.variables must be an object of strings.", "prompt.variables", "invalid_type");
                return false;
            }
            variables = vars;
        }
        return true;
    }

    private static bool TryVariables(JsonElement variables, out Dictionary<string, string> values, out OpenAIError error)
    {
        values = new Dictionary<string, string>(StringComparer.Ordinal);
        error = default;
        if (variables.ValueKind != JsonValueKind.Object)
            return true;
        foreach (JsonProperty property in variables.EnumerateObject())
        {
            string? value = null;
            if (property.Value.ValueKind == JsonValueKind.String)
            {
                try
                {
                    value = property.Value.GetString();
                }
                catch (InvalidOperationException)
                {
                    value = null; // a lone surrogate escape
                }
            }
            if (value is null || !ClientText.IsValid(value))
            {
                error = OpenAIError.BadRequest($"prompt.variables.{property.Name} must be a string of valid text (no NUL, no lone surrogate).", $"prompt.variables.{property.Name}", "invalid_value");
                return false;
            }
            values[property.Name] = value;
        }
        return true;
    }

    /// <summary>A customer id from the body, for stickiness only (the inspector validates it afterwards).</summary>
    private static string? BodyCustomer(JsonElement root)
    {
        if (root.TryGetProperty("metadata", out JsonElement metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("customer_id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
            return Decode(id);
        return root.TryGetProperty("user", out JsonElement user) && user.ValueKind == JsonValueKind.String ? Decode(user) : null;

        static string? Decode(JsonElement element)
        {
            try
            {
                return element.GetString() is { Length: > 0 } text ? text : null;
            }
            catch (InvalidOperationException)
            {
                return null;
            }
        }
    }

    /// <summary>The body with <c>prompt</c> removed, the rendered messages first in <c>messages</c>, and the model replaced.</summary>
    private static ReadOnlyMemory<byte> Rewrite(JsonElement root, (string Role, string Content)[]? rendered, string? model)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            bool wroteMessages = false;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                if (rendered is not null && property.NameEquals("prompt"))
                    continue;
                if (model is not null && property.NameEquals("model"))
                {
                    writer.WriteString("model", model);
                    continue;
                }
                if (rendered is not null && property.NameEquals("messages"))
                {
                    writer.WriteStartArray("messages");
                    WriteRendered(writer, rendered);
                    if (property.Value.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement message in property.Value.EnumerateArray())
                            message.WriteTo(writer);
                    }
                    writer.WriteEndArray();
                    wroteMessages = true;
                    continue;
                }
                property.WriteTo(writer);
            }
            if (rendered is not null && !wroteMessages)
            {
                writer.WriteStartArray("messages");
                WriteRendered(writer, rendered);
                writer.WriteEndArray();
            }
            writer.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    private static void WriteRendered(Utf8JsonWriter writer, (string Role, string Content)[] rendered)
    {
        foreach ((string role, string content) in rendered)
        {
            writer.WriteStartObject();
            writer.WriteString("role", role);
            writer.WriteString("content", content);
            writer.WriteEndObject();
        }
    }
}
