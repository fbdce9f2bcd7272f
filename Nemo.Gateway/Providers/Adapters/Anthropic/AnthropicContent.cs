using System.Text.Json;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// OpenAI content parts as Anthropic content blocks: text as text; an <c>image_url</c> with a base64
/// <c>data:</c> URL as a base64 image source, with an http(s) URL as a URL image source. Audio and file
/// parts, and images of a type Anthropic doesn't read, are refused.
/// </summary>
internal static class AnthropicContent
{
    private static readonly string[] ImageTypes = ["image/jpeg", "image/png", "image/gif", "image/webp"];

    public static bool TryWriteUserPart(JsonElement part, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        switch (TypeOf(part))
        {
            case "text":
                if (!TryText(part, at, out JsonElement text, out error))
                    return false;
                AnthropicMessages.WriteText(writer, text);
                return true;
            case "image_url":
                return TryWriteImage(part, at, writer, out error);
            case null:
                return AnthropicRequest.Refuse($"{at}.type", $"{at} must be an object with a string type.", out error, "invalid_type");
            case var other:
                return AnthropicRequest.Refuse($"{at}.type", $"{at}: '{AnthropicMessages.Shown(other)}' parts are not supported by this model's provider (Anthropic); text and image_url are.", out error);
        }
    }

    /// <summary>A text part's <c>text</c> (a string element); <paramref name="alsoRefusal"/> takes an assistant's refusal part's <c>refusal</c> too.</summary>
    public static bool TryText(JsonElement part, string at, out JsonElement text, out OpenAIError error, bool alsoRefusal = false)
    {
        error = default;
        string? type = TypeOf(part);
        string field = type == "refusal" && alsoRefusal ? "refusal" : "text";
        if (type != "text" && !(type == "refusal" && alsoRefusal))
        {
            text = default;
            return AnthropicRequest.Refuse($"{at}.type", $"{at} must be a text part here.", out error, "invalid_type");
        }
        if (!part.TryGetProperty(field, out text) || text.ValueKind != JsonValueKind.String)
            return AnthropicRequest.Refuse($"{at}.{field}", $"{at}.{field} is required (a string).", out error, "missing_required_parameter");
        return true;
    }

    private static bool TryWriteImage(JsonElement part, string at, Utf8JsonWriter writer, out OpenAIError error)
    {
        error = default;
        string? url = part.TryGetProperty("image_url", out JsonElement image) && image.ValueKind == JsonValueKind.Object
            && image.TryGetProperty("url", out JsonElement u) && u.ValueKind == JsonValueKind.String ? u.GetString() : null;
        if (url is null)
            return AnthropicRequest.Refuse($"{at}.image_url.url", $"{at}.image_url.url is required (a string).", out error, "missing_required_parameter");
        writer.WriteStartObject();
        writer.WriteString("type", "image");
        writer.WriteStartObject("source");
        if (url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = url.IndexOf(',');
            string header = comma > 5 ? url[5..comma] : "";
            const string Base64 = ";base64";
            string media = header.EndsWith(Base64, StringComparison.OrdinalIgnoreCase) ? header[..^Base64.Length].ToLowerInvariant() : "";
            if (!ImageTypes.Contains(media))
                return AnthropicRequest.Refuse($"{at}.image_url.url", $"{at}.image_url.url must be a base64 data URL of a JPEG, PNG, GIF or WebP image for this model's provider (Anthropic).", out error, "invalid_value");
            writer.WriteString("type", "base64");
            writer.WriteString("media_type", media);
            writer.WriteString("data", url.AsSpan(comma + 1));
        }
        else if (Uri.TryCreate(url, UriKind.Absolute, out Uri? parsed) && parsed.Scheme is "http" or "https")
        {
            writer.WriteString("type", "url");
            writer.WriteString("url", parsed.AbsoluteUri);
        }
        else
        {
            return AnthropicRequest.Refuse($"{at}.image_url.url", $"{at}.image_url.url must be an http(s) URL or a base64 data URL.", out error, "invalid_value");
        }
        writer.WriteEndObject();
        writer.WriteEndObject();
        return true;
    }

    internal static string? TypeOf(JsonElement element) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String ? type.GetString() : null;
}
