using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Typed reads of request fields with a <see cref="Utf8JsonReader"/> positioned on the
/// value; a wrong type becomes a 400 naming the field.</summary>
internal static class JsonFields
{
    public static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    /// <summary>Moves to the root object's first token, or refuses a body that is not an object.</summary>
    public static void StartRoot(ref Utf8JsonReader reader)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new FakeRequestException("The request body must be a JSON object.");
        }
    }

    /// <summary>Checks that nothing but whitespace follows the root object.</summary>
    public static void EndRoot(ref Utf8JsonReader reader)
    {
        if (reader.Read())
        {
            throw new JsonException("Unexpected data after the JSON object.");
        }
    }

    public static string? ReadString(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw WrongType(field, "a string"),
    };

    public static int? ReadInt(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var value)
            ? value
            : throw WrongType(field, "an integer");
    }

    public static bool? ReadBool(ref Utf8JsonReader reader, string field) => reader.TokenType switch
    {
        JsonTokenType.True => true,
        JsonTokenType.False => false,
        JsonTokenType.Null => null,
        _ => throw WrongType(field, "a boolean"),
    };

    /// <summary>UTF-8 length of the (unescaped) string the reader is on.</summary>
    public static int Utf8Length(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped && !reader.HasValueSequence)
        {
            return reader.ValueSpan.Length;
        }

        return Encoding.UTF8.GetByteCount(reader.GetString()!);
    }

    /// <summary>Reads stream_options and returns include_usage.</summary>
    public static bool ReadIncludeUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return false;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw WrongType("stream_options", "an object");
        }

        var include = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isInclude = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isInclude)
            {
                include = ReadBool(ref reader, "stream_options.include_usage") ?? false;
            }
            else
            {
                reader.Skip();
            }
        }

        return include;
    }

    /// <summary>Reads max_tokens-like fields: null or an integer of at least 1.</summary>
    public static int? ReadMaxTokens(ref Utf8JsonReader reader, string field)
    {
        var value = ReadInt(ref reader, field);
        return value is < 1
            ? throw new FakeRequestException(
                $"Invalid '{field}': integer below minimum value. Expected a value >= 1, but got {value} instead.", field)
            : value;
    }

    public static FakeRequestException WrongType(string field, string expected) =>
        new($"Invalid type for '{field}': expected {expected}.", field);

    public static FakeRequestException Missing(string field) =>
        new($"Missing required parameter: '{field}'.", field);
}
