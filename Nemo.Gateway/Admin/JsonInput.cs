using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Money;

namespace Nemo.Gateway.Admin;

/// <summary>
/// A parsed admin request body with typed accessors that produce specific 400 errors naming the field.
/// Money is read with <see cref="JsonElement.TryGetDecimal"/>, i.e. exactly from its text.
/// </summary>
internal sealed class JsonInput : IDisposable
{
    private const long MaxAdminBody = 1024 * 1024;
    private readonly JsonDocument _document;

    private JsonInput(JsonDocument document) => _document = document;

    private JsonElement Root => _document.RootElement;

    public static async Task<(JsonInput? Input, OpenAIError Error)> ReadAsync(HttpRequest request)
    {
        (byte[]? buffer, int length, OpenAIError error) = await RequestBody.ReadAsync(request, MaxAdminBody, request.HttpContext.RequestAborted);
        if (buffer is null)
            return (null, error);
        try
        {
            JsonDocument document = JsonDocument.Parse(buffer.AsMemory(0, length).ToArray());
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                return (null, OpenAIError.BadRequest("The request body must be a JSON object.", code: "invalid_json"));
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

    private bool Present(string name, out JsonElement value) =>
        Root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    public bool RequiredString(string name, int maxLength, out string value, out OpenAIError error)
    {
        value = "";
        if (!Present(name, out JsonElement element) || element.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(element.GetString()))
        {
            error = OpenAIError.BadRequest($"{name} is required and must be a non-empty string.", name, "missing_required_parameter");
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
            error = OpenAIError.BadRequest($"{name} must be a string.", name, "invalid_type");
            return false;
        }
        bool ok = CheckLength(name, element.GetString()!.Trim(), maxLength, out string checkedValue, out error);
        value = checkedValue;
        return ok;
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
        error = OpenAIError.BadRequest($"{name} must be a positive integer.", name, "invalid_value");
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
        error = OpenAIError.BadRequest($"{name} must be an ISO 8601 timestamp, e.g. 2027-01-31T00:00:00Z.", name, "invalid_value");
        return false;
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
                name, "invalid_value");
            return false;
        }
        error = default;
        return true;
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
        error = OpenAIError.BadRequest($"{name} must be an array of at most 20 integers between {min} and {max}.", name, "invalid_value");
        return false;
    }

    public void Dispose() => _document.Dispose();
}
