using System.Text.Json;

namespace Nemo.Gateway.Providers.Adapters.Anthropic;

/// <summary>
/// Anthropic's token counts and how every adapter reports them in OpenAI's <c>usage</c>:
/// <c>prompt_tokens</c> is all input, cached or not (input_tokens + cache_read_input_tokens +
/// cache_creation_input_tokens), <c>completion_tokens</c> is output_tokens, and
/// <c>prompt_tokens_details</c> says how much of the prompt was read from the cache
/// (<c>cached_tokens</c>) and written to it (<c>cache_write_tokens</c>), so billing can price them apart.
/// A count that is not a non-negative integer makes the usage unreadable: it is then left out, and
/// Nemo bills its own count, flagged estimated.
/// </summary>
internal struct AnthropicUsage
{
    public long? Input;
    public long CacheRead;
    public long CacheWrite;
    public long? Output;
    public bool Unreadable;

    /// <summary>Takes the counts present in an Anthropic <c>usage</c> object (a stream's message_delta updates only some).</summary>
    public void Update(JsonElement usage)
    {
        if (usage.ValueKind != JsonValueKind.Object)
        {
            Unreadable |= usage.ValueKind != JsonValueKind.Undefined && usage.ValueKind != JsonValueKind.Null;
            return;
        }
        Take(usage, "input_tokens", ref Input);
        long? read = null, write = null;
        Take(usage, "cache_read_input_tokens", ref read);
        Take(usage, "cache_creation_input_tokens", ref write);
        CacheRead = read ?? CacheRead;
        CacheWrite = write ?? CacheWrite;
        Take(usage, "output_tokens", ref Output);
    }

    private void Take(JsonElement usage, string name, ref long? field)
    {
        if (!usage.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
            return;
        if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out long count) && count >= 0 && count <= long.MaxValue / 4)
            field = count;
        else
            Unreadable = true;
    }

    /// <summary>Whether the usage can be reported: both counts given, none unreadable.</summary>
    public readonly bool IsReadable => !Unreadable && Input is not null && Output is not null;

    /// <summary>Writes <c>"usage":{…}</c> in OpenAI's shape; only when <see cref="IsReadable"/>.</summary>
    public readonly void Write(Utf8JsonWriter writer)
    {
        long prompt = Input!.Value + CacheRead + CacheWrite;
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", prompt);
        writer.WriteNumber("completion_tokens", Output!.Value);
        writer.WriteNumber("total_tokens", prompt + Output.Value);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", CacheRead);
        writer.WriteNumber("cache_write_tokens", CacheWrite);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }
}
