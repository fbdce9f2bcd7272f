using System.Text.Json;
using Nemo.Gateway.Hosting;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// Counts tokens when the provider's own usage is missing or unreadable: the prompt of a request, and
/// the output a client actually received, so a cut stream is billed for what was delivered rather
/// than for the prompt's byte bound. Uses o200k_base (the GPT-4o family's encoding) for every model:
/// for other model families the count is an approximation, and the caller always caps it at the
/// reservation's upper bounds. Counting is only the fallback; reported usage always wins.
/// </summary>
internal sealed class TokenCounter(GatewayOptions options)
{
    /// <summary>Per message: the role and the separators around it (OpenAI's accounting uses 3–4).</summary>
    private const long PerMessageTokens = 4;

    /// <summary>The reply's priming tokens.</summary>
    private const long ReplyTokens = 3;

    /// <summary>
    /// o200k_base's count, through <see cref="PromptEncoding"/>: text the library can't count safely (a special token's
    /// literal, or a run long enough to make its byte-pair merge quadratic — a CPU sink a hostile client or provider
    /// could aim at the fallback count or the guardrails' token rule) counts its UTF-8 bytes, never fewer tokens.
    /// </summary>
    public static long CountText(string text) => PromptEncoding.O200kBase.Count(text.AsSpan());

    /// <summary>The prompt tokens of a request body (the one sent upstream); 0 if it can't be read.</summary>
    public long CountPrompt(LlmEndpoint endpoint, ReadOnlyMemory<byte> body)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = 128 });
            JsonElement root = document.RootElement;
            long tokens = 0;
            switch (endpoint)
            {
                case LlmEndpoint.ChatCompletions:
                    if (root.TryGetProperty("messages", out JsonElement messages) && messages.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement message in messages.EnumerateArray())
                            tokens += PerMessageTokens + Walk(message, countKeys: false);
                    }
                    foreach (string tools in (ReadOnlySpan<string>)["tools", "functions", "response_format"])
                    {
                        if (root.TryGetProperty(tools, out JsonElement definitions))
                            tokens += Walk(definitions, countKeys: true);
                    }
                    return tokens + ReplyTokens;
                case LlmEndpoint.Completions:
                    foreach (string field in (ReadOnlySpan<string>)["prompt", "suffix"])
                    {
                        if (root.TryGetProperty(field, out JsonElement value))
                            tokens += Walk(value, countKeys: false);
                    }
                    return tokens;
                default:
                    return root.TryGetProperty("input", out JsonElement input) ? Walk(input, countKeys: false) : 0;
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>The output tokens of one response body (all its text counted together).</summary>
    public static long CountOutput(ReadOnlySpan<byte> json)
    {
        var text = new System.Text.StringBuilder();
        long tokens = CollectOutput(json, text);
        return tokens + CountText(text.ToString());
    }

    /// <summary>
    /// Appends the output text of a response body or stream chunk to <paramref name="text"/>: the text of
    /// <c>choices</c> (content, text, refusal, reasoning, tool and function names and arguments), not
    /// ids, roles or logprobs. Returns tokens counted directly (strings that are not valid text: one per byte).
    /// </summary>
    public static long CollectOutput(ReadOnlySpan<byte> json, System.Text.StringBuilder text)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        long tokens = 0;
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
                bool counted = false;
                while (reader.Read() && reader.CurrentDepth > depth)
                {
                    if (reader.TokenType == JsonTokenType.PropertyName)
                        counted = IsOutputField(ref reader);
                    else if (reader.TokenType == JsonTokenType.String && counted)
                        tokens += AppendString(ref reader, text);
                }
            }
        }
        catch (JsonException)
        {
            // Text collected before the broken part stands.
        }
        return tokens;
    }

    private static bool IsOutputField(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("content"u8) || reader.ValueTextEquals("text"u8) || reader.ValueTextEquals("refusal"u8)
        || reader.ValueTextEquals("arguments"u8) || reader.ValueTextEquals("name"u8)
        || reader.ValueTextEquals("reasoning"u8) || reader.ValueTextEquals("reasoning_content"u8);

    private static long AppendString(ref Utf8JsonReader reader, System.Text.StringBuilder text)
    {
        try
        {
            text.Append(reader.GetString());
            return 0;
        }
        catch (InvalidOperationException)
        {
            // Not valid text (a lone surrogate escape): at least one token per byte of it.
            return reader.HasValueSequence ? reader.ValueSequence.Length : reader.ValueSpan.Length;
        }
    }

    private long Walk(JsonElement element, bool countKeys)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                return CountText(element.GetString()!);
            case JsonValueKind.Number:
                return 1; // one entry of a token array
            case JsonValueKind.Array:
                long items = 0;
                foreach (JsonElement item in element.EnumerateArray())
                    items += Walk(item, countKeys);
                return items;
            case JsonValueKind.Object:
                if (element.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String
                    && (type.ValueEquals("image_url"u8) || type.ValueEquals("input_audio"u8) || type.ValueEquals("file"u8)))
                    return options.ImageTokenAllowance; // media: the same allowance the reservation made, not its base64 text
                long fields = 0;
                foreach (JsonProperty property in element.EnumerateObject())
                {
                    if (countKeys)
                        fields += CountText(property.Name);
                    fields += Walk(property.Value, countKeys);
                }
                return fields;
            default:
                return 0;
        }
    }
}
