using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// A parsed admin request body with typed accessors that produce specific 400 errors naming the field.
/// Money is read with <see cref="JsonElement.TryGetDecimal"/>, i.e. exactly from its text. For PATCH
/// bodies, "absent" (leave as is) and "null" (clear) are different: see <see cref="Has"/>.
/// </summary>
internal sealed class JsonInput : IDisposable
{
    private readonly JsonDocument _document;

    private JsonInput(JsonDocument document) => _document = document;

    internal JsonElement Root => _document.RootElement;

    /// <summary>Reads a JSON object body; with <paramref name="allowEmpty"/> an empty body reads as <c>{}</c>.</summary>
    public static async Task<(JsonInput? Input, OpenAIError Error)> ReadAsync(HttpRequest request, long limit, bool allowEmpty = false)
    {
        if (allowEmpty && request.ContentLength == 0)
            return (new JsonInput(JsonDocument.Parse("{}")), default);
        (byte[]? buffer, int length, OpenAIError error) = await RequestBody.ReadAsync(request, limit, request.HttpContext.RequestAborted);
        if (buffer is null)
        {
            if (error.Status == StatusCodes.Status413PayloadTooLarge)
                return (null, AdminErrors.TooLarge(limit));
            if (allowEmpty && error.Code == "invalid_json")
                return (new JsonInput(JsonDocument.Parse("{}")), default);
            return (null, error);
        }
        try
        {
            JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length).ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, OpenAIError.BadRequest("The request body must be a JSON object.", code: "invalid_json"));
            }
            if (!ValidText.Check(document.RootElement, null, out OpenAIError textError))
            {
                document.Dispose();
                return (null, textError);
            }
            return (new JsonInput(document), default);
        }
        catch (JsonException ex)
        {
            return (null, OpenAIError.BadRequest($"The request body is not valid JSON: {ex.Message}", code: "invalid_json"));
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Refuses fields the route doesn't know, so a typo is an error rather than silently ignored.</summary>
    public bool OnlyKnown(out OpenAIError error, params string[] allowed)
    {
        foreach (JsonProperty property in Root.EnumerateObject())
        {
            if (!allowed.Contains(property.Name, StringComparer.Ordinal))
            {
                error = OpenAIError.BadRequest(
                    $"Unknown field '{property.Name}'; this route accepts {(allowed.Length == 0 ? "no fields" : string.Join(", ", allowed))}.",
                    property.Name, "unknown_parameter");
                return false;
            }
        }
        error = default;
        return true;
    }

    /// <summary>True when the field is in the body, even as null (PATCH: null clears, absent leaves as is).</summary>
    public bool Has(string name) => Root.TryGetProperty(name, out _);

    public bool IsNull(string name) => Root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Null;

    public bool IsEmpty => !Root.EnumerateObject().Any();

    /// <summary>A field's raw value (present and not null), for shapes the typed accessors don't cover (a guardrail's config, a template).</summary>
    public bool TryGetElement(string name, out JsonElement value) => Present(name, out value);

    private bool Present(string name, out JsonElement value) =>
        Root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public bool RequiredString(string name, int maxLength, out string value, out OpenAIError error)
    {
        value = "";
        if (!Present(name, out JsonElement element) || element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            error = Present(name, out _) && element.ValueKind != JsonValueKind.String
                ? OpenAIError.BadRequest($"{name} must be a string (got {Kind(element)}).", name, "invalid_type")
                : OpenAIError.BadRequest($"{name} is required and must be a non-empty string.", name, "missing_required_parameter");
            return false;
        }
        return CheckLength(name, element.GetString()!.Trim(), maxLength, out value, out error);
    }

    public bool OptionalString(string name, int maxLength, out string? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind != JsonValueKind.String)
        {
            error = OpenAIError.BadRequest($"{name} must be a string (got {Kind(element)}).", name, "invalid_type");
            return false;
        }
        bool ok = CheckLength(name, element.GetString()!.Trim(), maxLength, out string checkedValue, out error);
        value = checkedValue;
        return ok;
    }

    /// <summary>A non-empty string when present (a PATCH field that can't be cleared).</summary>
    public bool OptionalNonEmptyString(string name, int maxLength, out string? value, out OpenAIError error)
    {
        if (IsNull(name))
        {
            value = null;
            error = OpenAIError.BadRequest($"{name} cannot be null; leave it out to keep the current value.", name, "invalid_value");
            return false;
        }
        if (!OptionalString(name, maxLength, out value, out error))
            return false;
        if (value is { Length: 0 })
        {
            error = OpenAIError.BadRequest($"{name} must be a non-empty string.", name, "invalid_value");
            return false;
        }
        return true;
    }

    private static bool CheckLength(string name, string text, int maxLength, out string value, out OpenAIError error)
    {
        value = text;
        error = default;
        if (text.Length <= maxLength)
            return true;
        error = OpenAIError.BadRequest($"{name} is {text.Length} characters long; at most {maxLength} are allowed.", name, "invalid_value");
        return false;
    }

    public bool OptionalGuid(string name, out Guid? value, out OpenAIError error)
    {
        value = null;
        if (!OptionalString(name, 64, out string? text, out error))
            return false;
        if (text is null)
            return true;
        if (Guid.TryParse(text, out Guid parsed))
        {
            value = parsed;
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be a UUID (got '{text}').", name, "invalid_value");
        return false;
    }

    public bool RequiredGuid(string name, out Guid value, out OpenAIError error)
    {
        value = Guid.Empty;
        if (!Present(name, out _))
        {
            error = OpenAIError.BadRequest($"{name} is required: a UUID.", name, "missing_required_parameter");
            return false;
        }
        if (!OptionalGuid(name, out Guid? parsed, out error))
            return false;
        value = parsed!.Value;
        return true;
    }

    public bool OptionalPositiveLong(string name, out long? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out long parsed) && parsed > 0)
        {
            value = parsed;
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be a positive integer (got {element.GetRawText()}).", name,
            element.ValueKind == JsonValueKind.Number ? "invalid_value" : "invalid_type");
        return false;
    }

    public bool OptionalInt(string name, int min, int max, out int? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind == JsonValueKind.Number && element.TryGetInt32(out int parsed) && parsed >= min && parsed <= max)
        {
            value = parsed;
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be an integer from {min} to {max} (got {element.GetRawText()}).", name,
            element.ValueKind == JsonValueKind.Number ? "invalid_value" : "invalid_type");
        return false;
    }

    public bool OptionalBool(string name, out bool? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            value = element.GetBoolean();
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be true or false (got {element.GetRawText()}).", name, "invalid_type");
        return false;
    }

    public bool OptionalTimestamp(string name, out DateTimeOffset? value, out OpenAIError error)
    {
        value = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind == JsonValueKind.String && element.TryGetDateTimeOffset(out DateTimeOffset parsed))
        {
            value = parsed.ToUniversalTime();
            return true;
        }
        error = OpenAIError.BadRequest($"{name} must be an ISO 8601 timestamp, e.g. 2027-01-31T00:00:00Z (got {element.GetRawText()}).", name, "invalid_value");
        return false;
    }

    /// <summary>A nested object's field names and values are read with a child input (e.g. <c>limits</c>).</summary>
    public bool OptionalObject(string name, out JsonInput? child, out OpenAIError error)
    {
        child = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind != JsonValueKind.Object)
        {
            error = OpenAIError.BadRequest($"{name} must be a JSON object (got {Kind(element)}).", name, "invalid_type");
            return false;
        }
        child = new JsonInput(JsonDocument.Parse(element.GetRawText()));
        return true;
    }

    /// <summary>A USD amount as a JSON number, exact to the nano; <paramref name="allowZero"/> for limits.</summary>
    public bool RequiredUsd(string name, bool allowZero, out long nanos, out OpenAIError error)
    {
        nanos = 0;
        if (!Present(name, out JsonElement element))
        {
            error = OpenAIError.BadRequest($"{name} is required: a USD amount as a JSON number, e.g. 12.5.", name, "missing_required_parameter");
            return false;
        }
        if (element.ValueKind != JsonValueKind.Number || !element.TryGetDecimal(out decimal usd) || !Usd.TryToNanos(usd, out nanos)
            || nanos < 0 || (!allowZero && nanos == 0))
        {
            error = OpenAIError.BadRequest(
                $"{name} must be a JSON number of USD {(allowZero ? "≥ 0" : "> 0")}, at most {Usd.MaxAmount} with at most 9 decimal places (got {element.GetRawText()}).",
                name, element.ValueKind == JsonValueKind.Number ? "invalid_value" : "invalid_type");
            return false;
        }
        error = default;
        return true;
    }

    /// <summary>Most models in one allow-list (the database's check says the same).</summary>
    public const int MaxModels = 256;

    /// <summary>
    /// A model allow-list: absent (<paramref name="set"/> false), null (set, clears it: every model), or an
    /// array of at most <see cref="MaxModels"/> model names that <paramref name="known"/> accepts, deduplicated.
    /// </summary>
    public bool OptionalModelList(string name, Func<string, bool> known, out bool set, out string[]? models, out OpenAIError error)
    {
        set = false;
        models = null;
        error = default;
        if (!Root.TryGetProperty(name, out JsonElement element))
            return true;
        set = true;
        if (element.ValueKind == JsonValueKind.Null)
            return true;
        if (element.ValueKind != JsonValueKind.Array || element.GetArrayLength() > MaxModels)
        {
            error = OpenAIError.BadRequest($"{name} must be an array of at most {MaxModels} model names, or null for every model (got {Kind(element)}).", name, "invalid_value");
            return false;
        }
        var names = new List<string>();
        foreach (JsonElement item in element.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(item.GetString()))
            {
                error = OpenAIError.BadRequest($"{name} must contain model names as non-empty strings (got {Kind(item)}).", name, "invalid_value");
                return false;
            }
            names.Add(item.GetString()!);
        }
        return ModelAllowList.TryResolve(name, names, known, out models, out error);
    }

    public bool OptionalIntArray(string name, int min, int max, out int[]? values, out OpenAIError error)
    {
        values = null;
        error = default;
        if (!Present(name, out JsonElement element))
            return true;
        if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() <= 20)
        {
            var list = new List<int>();
            foreach (JsonElement item in element.EnumerateArray())
            {
                if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt32(out int v) || v < min || v > max)
                {
                    list = null;
                    break;
                }
                list.Add(v);
            }
            if (list is not null)
            {
                values = [.. list.Distinct().Order()];
                return true;
            }
        }
        error = OpenAIError.BadRequest($"{name} must be an array of at most 20 integers between {min} and {max} (got {element.GetRawText()}).", name, "invalid_value");
        return false;
    }

    internal static string Kind(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => "null",
    };

    public void Dispose() => _document.Dispose();
}
