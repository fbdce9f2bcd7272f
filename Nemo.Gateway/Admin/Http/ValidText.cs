using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Nemo.Gateway.Errors;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// Every string the admin API receives must be text PostgreSQL can store: no NUL character and no
/// unpaired UTF-16 surrogate (JSON can carry both as <c>\u0000</c> and <c>\ud800</c>). Such input is
/// refused with 400 <c>invalid_text</c> naming the field, before anything is read from or written to the
/// database — instead of failing inside a statement (a 500 with an empty body).
/// </summary>
internal static class ValidText
{
    public const string Code = "invalid_text";

    /// <summary>Null when the text is valid, else what is wrong with it (for the message).</summary>
    public static string? Problem(ReadOnlySpan<char> text)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\0')
                return $"a NUL character (\\u0000) at position {i}";
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsSurrogate(c))
                return $"an unpaired UTF-16 surrogate (\\u{(int)c:x4}) at position {i}";
        }
        return null;
    }

    public static OpenAIError Error(string param, string problem) =>
        OpenAIError.BadRequest($"{param} contains {problem}; send valid Unicode text without NUL characters.", Printable(param), Code);

    /// <summary>The first invalid string of a JSON body (property names included), named by its innermost property.</summary>
    public static bool Check(JsonElement element, string? name, out OpenAIError error)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                if (Read(element) is { } problem)
                {
                    error = Error(name ?? "body", problem);
                    return false;
                }
                break;
            case JsonValueKind.Array:
                foreach (JsonElement item in element.EnumerateArray())
                {
                    if (!Check(item, name, out error))
                        return false;
                }
                break;
            case JsonValueKind.Object:
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    string propertyName;
                    try
                    {
                        propertyName = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        error = Error(name ?? "body", "a field name with an unpaired UTF-16 surrogate");
                        return false;
                    }
                    if (Problem(propertyName) is { } nameProblem)
                    {
                        error = Error(propertyName, "in its name " + nameProblem);
                        return false;
                    }
                    if (!Check(property.Value, propertyName, out error))
                        return false;
                }
                break;
        }
        error = default;
        return true;
    }

    /// <summary>Route values, query keys and query values.</summary>
    public static bool Check(HttpRequest request, out OpenAIError error)
    {
        foreach ((string key, object? value) in request.RouteValues)
        {
            if (value is string text && Problem(text) is { } problem)
            {
                error = Error(key, problem);
                return false;
            }
        }
        foreach ((string key, Microsoft.Extensions.Primitives.StringValues values) in request.Query)
        {
            if (Problem(key) is { } keyProblem)
            {
                error = Error(key, "in its name " + keyProblem);
                return false;
            }
            foreach (string? value in values)
            {
                if (value is not null && Problem(value) is { } problem)
                {
                    error = Error(key, problem);
                    return false;
                }
            }
        }
        error = default;
        return true;
    }

    private static string? Read(JsonElement element)
    {
        try
        {
            return Problem(element.GetString());
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json refuses to decode an escaped unpaired surrogate such as "\ud800".
            return "an unpaired UTF-16 surrogate";
        }
    }

    /// <summary>A name safe to echo in <c>param</c>: invalid characters shown as escapes.</summary>
    private static string Printable(string name)
    {
        if (Problem(name) is null)
            return name;
        var printable = new StringBuilder(name.Length + 8);
        foreach (char c in name)
            printable.Append(c == '\0' || char.IsSurrogate(c) ? $"\\u{(int)c:x4}" : c);
        return printable.ToString();
    }
}
