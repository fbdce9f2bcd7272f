using System.Text;
using System.Text.Json;

namespace Nemo.FakeUpstream;

/// <summary>Reads an OpenAI "input"/"prompt" value: string | string[] | int[] | int[][].
/// A string counts ceil(UTF-8 bytes / 4) tokens, a token array its length.</summary>
internal static class TextInputReader
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    public static List<TextInput> Read(ref Utf8JsonReader reader, string field, bool allowEmptyString)
    {
        var inputs = new List<TextInput>(1);
        if (reader.TokenType == JsonTokenType.String)
        {
            inputs.Add(ReadString(ref reader, field, allowEmptyString));
            return inputs;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw JsonFields.WrongType(field, "a string, an array of strings or an array of token arrays");
        }

        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.EndArray:
                throw new FakeRequestException($"Invalid '{field}': empty array. Expected at least one input.", field);

            case JsonTokenType.Number:
                inputs.Add(ReadTokenArrayRest(ref reader, field));
                return inputs;

            case JsonTokenType.String:
                do
                {
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        throw JsonFields.WrongType($"{field}[{inputs.Count}]", "a string");
                    }

                    inputs.Add(ReadString(ref reader, field, allowEmptyString));
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

                return inputs;

            case JsonTokenType.StartArray:
                do
                {
                    if (reader.TokenType != JsonTokenType.StartArray || !reader.Read()
                        || reader.TokenType == JsonTokenType.EndArray)
                    {
                        throw JsonFields.WrongType($"{field}[{inputs.Count}]", "a non-empty array of tokens");
                    }

                    inputs.Add(ReadTokenArrayRest(ref reader, field));
                }
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

                return inputs;

            default:
                throw JsonFields.WrongType(field, "a string, an array of strings or an array of token arrays");
        }
    }

    private static TextInput ReadString(ref Utf8JsonReader reader, string field, bool allowEmpty)
    {
        var bytes = !reader.ValueIsEscaped && !reader.HasValueSequence
            ? reader.ValueSpan
            : Encoding.UTF8.GetBytes(reader.GetString()!);
        if (bytes.IsEmpty && !allowEmpty)
        {
            throw new FakeRequestException($"Invalid '{field}': string must not be empty.", field);
        }

        var hash = FnvOffset;
        foreach (var b in bytes)
        {
            hash = (hash ^ b) * FnvPrime;
        }

        return new TextInput(TokenEstimate.ForUtf8Bytes(bytes.Length), hash);
    }

    /// <summary>Reads token ids from the first one (the reader is on it) to the closing bracket.</summary>
    private static TextInput ReadTokenArrayRest(ref Utf8JsonReader reader, string field)
    {
        var count = 0;
        var hash = FnvOffset ^ 0x746F6B656E73UL;
        do
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var token))
            {
                throw JsonFields.WrongType($"{field}[]", "an integer token id");
            }

            hash = (hash ^ (ulong)token) * FnvPrime;
            count++;
        }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray);

        return new TextInput(count, hash);
    }
}
