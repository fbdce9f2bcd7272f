using System.Text.Json;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Reads the provider's reported usage from response JSON without building a DOM. Only figures that
/// are non-negative integers, each given once, count as reported; anything else (3.5, -1, 1e12 as an
/// exponent, "5", a duplicated key or usage object, a missing count) is <see cref="UsageStatus.Unreadable"/>,
/// which the caller treats as not reported. Magnitude is not judged here: the caller caps the figures
/// at the request's reservation.
/// </summary>
internal static class UsageReader
{
    /// <param name="json">A response body or one stream event's data.</param>
    /// <param name="completionRequired">False for embeddings, whose usage has no completion_tokens.</param>
    public static UsageReport Read(ReadOnlySpan<byte> json, bool completionRequired = true)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        UsageReport found = UsageReport.Absent;
        bool seen = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return UsageReport.Absent;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isUsage = reader.ValueTextEquals("usage"u8);
                reader.Read();
                if (!isUsage)
                {
                    reader.Skip();
                    continue;
                }
                if (seen)
                    return UsageReport.Unreadable; // "usage" twice: which one would the provider bill?
                seen = true;
                if (reader.TokenType == JsonTokenType.Null)
                    continue;
                if (reader.TokenType != JsonTokenType.StartObject)
                    return UsageReport.Unreadable;
                found = ReadUsageObject(ref reader, completionRequired);
            }
        }
        catch (JsonException)
        {
            // A body that isn't JSON says nothing about usage.
            return UsageReport.Absent;
        }
        return found;
    }

    private static UsageReport ReadUsageObject(ref Utf8JsonReader reader, bool completionRequired)
    {
        long? prompt = null, completion = null;
        bool bad = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isPrompt = reader.ValueTextEquals("prompt_tokens"u8);
            bool isCompletion = reader.ValueTextEquals("completion_tokens"u8);
            reader.Read();
            if (!isPrompt && !isCompletion)
            {
                reader.Skip();
                continue;
            }
            long? value = reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out long parsed) && parsed >= 0 ? parsed : null;
            if (value is null || (isPrompt ? prompt : completion) is not null)
                bad = true;
            if (isPrompt)
                prompt = value;
            else
                completion = value;
        }
        if (bad || prompt is null || (completionRequired && completion is null))
            return UsageReport.Unreadable;
        return new UsageReport(UsageStatus.Reported, prompt.Value, completion ?? 0);
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

    /// <summary>True when <paramref name="json"/> is one complete, valid JSON value.</summary>
    public static bool IsValidJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read())
                return false;
            reader.Skip();
            return !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
