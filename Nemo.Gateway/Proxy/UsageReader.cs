using System.Text.Json;

namespace Nemo.Gateway.Proxy;

/// <summary>Reads the provider's reported usage, and counts output bytes, from response JSON without building a DOM.</summary>
internal static class UsageReader
{
    /// <summary>Finds a top-level non-null <c>usage</c> object and reads prompt and completion tokens from it.</summary>
    public static bool TryRead(ReadOnlySpan<byte> json, out long promptTokens, out long completionTokens)
    {
        promptTokens = 0;
        completionTokens = 0;
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (!isUsage || reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                bool found = false;
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    bool prompt = reader.ValueTextEquals("prompt_tokens"u8);
                    bool completion = reader.ValueTextEquals("completion_tokens"u8);
                    reader.Read();
                    if (prompt && reader.TokenType == JsonTokenType.Number)
                    {
                        promptTokens = reader.GetInt64();
                        found = true;
                    }
                    else if (completion && reader.TokenType == JsonTokenType.Number)
                    {
                        completionTokens = reader.GetInt64();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                return found && promptTokens >= 0 && completionTokens >= 0;
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }

    /// <summary>
    /// Bytes of every string inside <c>choices</c> (content, text, tool-call arguments, …): an upper
    /// bound of the output tokens in this chunk, since no token is shorter than one byte.
    /// </summary>
    public static long CountChoiceBytes(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        long bytes = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isChoices = reader.ValueTextEquals("choices"u8);
                reader.Read();
                if (!isChoices || reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }
                int depth = reader.CurrentDepth;
                while (reader.Read() && reader.CurrentDepth > depth)
                {
                    if (reader.TokenType == JsonTokenType.String)
                        bytes += reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
                }
            }
        }
        catch (JsonException)
        {
        }
        return bytes;
    }

    /// <summary>True for a chunk whose <c>choices</c> is an empty array (the usage-only chunk).</summary>
    public static bool HasEmptyChoices(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isChoices = reader.ValueTextEquals("choices"u8);
                reader.Read();
                if (isChoices)
                    return reader.TokenType == JsonTokenType.StartArray && reader.Read() && reader.TokenType == JsonTokenType.EndArray;
                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }
        return false;
    }
}
