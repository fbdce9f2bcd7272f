using System.Text.Json;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Reads the provider's reported usage from response JSON without building a DOM. Only figures that
/// are non-negative integers, each given once, count as reported; anything else (3.5, -1, 1e12 as an
/// exponent, "5", a duplicated key or usage object, a missing count) is <see cref="UsageStatus.Unreadable"/>,
/// which the caller treats as not reported. The cache and reasoning details are held to the same rule and
/// must fit their totals (cache reads + cache writes ≤ prompt tokens, reasoning ≤ completion tokens); details
/// that don't are dropped (<see cref="UsageReport.DetailsUnreadable"/>) and the totals still count. Magnitude
/// is not judged here: the caller caps the figures at the request's reservation.
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
        var details = new Details();
        bool bad = false, promptDetailsSeen = false, completionDetailsSeen = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isPrompt = reader.ValueTextEquals("prompt_tokens"u8);
            bool isCompletion = reader.ValueTextEquals("completion_tokens"u8);
            bool isPromptDetails = reader.ValueTextEquals("prompt_tokens_details"u8);
            bool isCompletionDetails = reader.ValueTextEquals("completion_tokens_details"u8);
            reader.Read();
            if (isPromptDetails || isCompletionDetails)
            {
                ref bool seen = ref isPromptDetails ? ref promptDetailsSeen : ref completionDetailsSeen;
                details.Bad |= seen; // given twice: which would the provider bill?
                seen = true;
                ReadDetails(ref reader, ref details, isPromptDetails);
                continue;
            }
            if (!isPrompt && !isCompletion)
            {
                reader.Skip();
                continue;
            }
            long? value = Count(ref reader);
            if (value is null || (isPrompt ? prompt : completion) is not null)
                bad = true;
            if (isPrompt)
                prompt = value;
            else
                completion = value;
        }
        if (bad || prompt is null || (completionRequired && completion is null))
            return UsageReport.Unreadable;
        var report = new UsageReport(UsageStatus.Reported, prompt.Value, completion ?? 0);
        var detailed = report with { CachedTokens = details.Cached, CacheWriteTokens = details.CacheWrite, ReasoningTokens = details.Reasoning };
        // Details that don't fit their totals are as untrustworthy as a fraction: none are kept, every token is billed at the plain rates.
        return details.Bad || !detailed.Tokens.IsConsistent ? report with { DetailsUnreadable = true } : detailed;
    }

    /// <summary>The cache and reasoning counts read so far, and whether any was not a single non-negative integer.</summary>
    private struct Details
    {
        public long Cached, CacheWrite, Reasoning;
        public bool Bad, CachedSeen, CacheWriteSeen, ReasoningSeen;
    }

    /// <summary>
    /// <c>prompt_tokens_details</c> (<c>cached_tokens</c>: cache reads, OpenAI's field; <c>cache_write_tokens</c>:
    /// cache writes, Nemo's convention for providers that bill them) or <c>completion_tokens_details</c>
    /// (<c>reasoning_tokens</c>). Other fields (audio, predictions) are skipped; a null object or count is not reported.
    /// </summary>
    private static void ReadDetails(ref Utf8JsonReader reader, ref Details details, bool prompt)
    {
        if (reader.TokenType == JsonTokenType.Null)
            return;
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            details.Bad = true;
            reader.Skip();
            return;
        }
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            bool isCached = prompt && reader.ValueTextEquals("cached_tokens"u8);
            bool isCacheWrite = prompt && reader.ValueTextEquals("cache_write_tokens"u8);
            bool isReasoning = !prompt && reader.ValueTextEquals("reasoning_tokens"u8);
            reader.Read();
            if (!isCached && !isCacheWrite && !isReasoning)
            {
                reader.Skip();
                continue;
            }
            ref bool seen = ref isCached ? ref details.CachedSeen : ref isCacheWrite ? ref details.CacheWriteSeen : ref details.ReasoningSeen;
            details.Bad |= seen;
            seen = true;
            if (reader.TokenType == JsonTokenType.Null)
                continue;
            long? value = Count(ref reader);
            if (value is null)
            {
                details.Bad = true;
                continue;
            }
            if (isCached)
                details.Cached = value.Value;
            else if (isCacheWrite)
                details.CacheWrite = value.Value;
            else
                details.Reasoning = value.Value;
        }
    }

    /// <summary>A non-negative integer given as a JSON number without fraction or exponent, else null.</summary>
    private static long? Count(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            reader.Skip();
            return null;
        }
        return reader.TryGetInt64(out long parsed) && parsed >= 0 ? parsed : null;
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
