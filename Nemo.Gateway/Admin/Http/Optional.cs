using System.Text.Json;
using System.Text.Json.Serialization;

namespace Nemo.Gateway.Admin.Http;

/// <summary>
/// A PATCH field: absent (<see cref="IsSet"/> false: leave as is), or present with a value, which may be null
/// (clear). System.Text.Json has no such notion; <see cref="OptionalConverter{T}"/> is called only for a present
/// property, null included, so the default value means "absent".
/// </summary>
public readonly record struct Optional<T>(bool IsSet, T? Value);

/// <summary>Reads a present property (null too) as a set <see cref="Optional{T}"/>.</summary>
public sealed class OptionalConverter<T> : JsonConverter<Optional<T>>
{
    public override bool HandleNull => true;

    public override Optional<T> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return new Optional<T>(true, default);
        try
        {
            return new Optional<T>(true, JsonSerializer.Deserialize(ref reader, (System.Text.Json.Serialization.Metadata.JsonTypeInfo<T>)options.GetTypeInfo(typeof(T))));
        }
        catch (JsonException ex)
        {
            // The inner read's path is relative to the value; without one, the outer read stamps the property's path.
            throw new JsonException(ex.Message, ex);
        }
    }

    public override void Write(Utf8JsonWriter writer, Optional<T> value, JsonSerializerOptions options) =>
        throw new NotSupportedException("Optional<T> is read from requests only.");
}

/// <summary>Strings are trimmed as they are read: lengths and emptiness are judged on what is kept.</summary>
internal sealed class TrimmedStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()!.Trim() : throw new JsonException("Expected a string.");

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);
}
