using System.Buffers;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Nemo.Gateway.Proxy;

/// <summary>
/// The prompt tokens a request can cost at most, counted with the deployment's tokenizer where it is known
/// (docs/decisions/0024-exact-prompt-bounds.md): every text the provider renders into the prompt is counted exactly
/// (<see cref="PromptEncoding.Count(ReadOnlySpan{char})"/>, itself an upper bound), plus per-item allowances at
/// least as large as OpenAI's own accounting. What Nemo can't count precisely (audio, files, unknown part types)
/// falls back to its JSON byte length. The request was validated by <see cref="RequestInspector"/> first.
/// </summary>
internal static class PromptTokenBound
{
    /// <summary>
    /// Per message: OpenAI counts 3 (<c>&lt;|im_start|&gt;</c>, <c>&lt;|im_sep|&gt;</c>/<c>&lt;|message|&gt;</c>,
    /// <c>&lt;|im_end|&gt;</c>) and gpt-3.5-turbo-0301 counted 4 (a newline); Nemo reserves 4. The role is counted as text.
    /// </summary>
    internal const long PerMessage = 4;

    /// <summary>OpenAI's extra token for a message's <c>name</c> (its text is counted too).</summary>
    internal const long PerName = 1;

    /// <summary>Every reply is primed with <c>&lt;|im_start|&gt;assistant&lt;|im_sep|&gt;</c>: 3 tokens.</summary>
    internal const long ReplyPriming = 3;

    /// <summary>One more per content part beyond the first: parts may be joined with a separator.</summary>
    internal const long PerPart = 1;

    /// <summary>
    /// Per string, number or key of a tool definition, tool call or schema: the separator or keyword a rendering puts
    /// beside it. OpenAI renders tools as a TypeScript-like namespace whose published accounting adds 3 per property
    /// and 3 per enum value; 3 here for every key and value covers that.
    /// </summary>
    internal const long PerStructuredItem = 3;

    /// <summary>Per tool (function) definition: OpenAI's published accounting adds 7–10 at its start and 12 at its end.</summary>
    internal const long PerTool = 24;

    /// <summary>The tools section's heading and the schema instruction of a structured-output request.</summary>
    internal const long PerSection = 16;

    /// <summary>The chat request's prompt bound: the maximum over the encodings (a model may be served by deployments with different ones).</summary>
    public static long Chat(JsonElement root, IReadOnlyList<PromptEncoding> encodings, long mediaAllowance)
    {
        long max = 0;
        foreach (PromptEncoding encoding in encodings)
            max = Math.Max(max, Chat(root, encoding, mediaAllowance));
        return max;
    }

    /// <summary>The legacy completion's prompt bound: the prompt(s) and suffix, or a token array's length.</summary>
    public static long Completion(JsonElement root, IReadOnlyList<PromptEncoding> encodings)
    {
        long max = 0;
        foreach (PromptEncoding encoding in encodings)
        {
            long tokens = 0;
            if (root.TryGetProperty("prompt", out JsonElement prompt))
                tokens += Inputs(prompt, encoding);
            if (root.TryGetProperty("suffix", out JsonElement suffix) && suffix.ValueKind == JsonValueKind.String)
                tokens += String(suffix, encoding);
            max = Math.Max(max, tokens);
        }
        return max;
    }

    /// <summary>The embedding request's prompt bound: its input(s).</summary>
    public static long Embedding(JsonElement root, IReadOnlyList<PromptEncoding> encodings)
    {
        long max = 0;
        foreach (PromptEncoding encoding in encodings)
            max = Math.Max(max, root.TryGetProperty("input", out JsonElement input) ? Inputs(input, encoding) : 0);
        return max;
    }

    private static long Chat(JsonElement root, PromptEncoding encoding, long mediaAllowance)
    {
        long tokens = ReplyPriming;
        foreach (JsonProperty field in root.EnumerateObject())
        {
            if (field.NameEquals("messages"u8))
            {
                foreach (JsonElement message in field.Value.EnumerateArray())
                    tokens += Message(message, encoding, mediaAllowance);
            }
            else if (field.NameEquals("tools"u8) || field.NameEquals("functions"u8))
            {
                if (field.Value.ValueKind != JsonValueKind.Array)
                    continue;
                tokens += PerSection;
                foreach (JsonElement tool in field.Value.EnumerateArray())
                    tokens += PerTool + Structured(tool, encoding);
            }
            else if (field.NameEquals("response_format"u8) || field.NameEquals("tool_choice"u8) || field.NameEquals("function_call"u8))
            {
                if (field.Value.ValueKind is JsonValueKind.Object)
                    tokens += PerSection + Structured(field.Value, encoding);
            }
        }
        return tokens;
    }

    private static long Message(JsonElement message, PromptEncoding encoding, long mediaAllowance)
    {
        long tokens = PerMessage;
        foreach (JsonProperty field in message.EnumerateObject())
        {
            JsonElement value = field.Value;
            if (field.NameEquals("content"u8))
            {
                tokens += value.ValueKind switch
                {
                    JsonValueKind.String => String(value, encoding),
                    JsonValueKind.Array => Parts(value, encoding, mediaAllowance),
                    JsonValueKind.Null => 0,
                    _ => Bytes(value),
                };
            }
            else if (field.NameEquals("name"u8))
            {
                tokens += PerName + (value.ValueKind == JsonValueKind.String ? String(value, encoding) : Bytes(value));
            }
            else if (value.ValueKind == JsonValueKind.String)
            {
                tokens += String(value, encoding); // role, tool_call_id, refusal…
            }
            else if (value.ValueKind is JsonValueKind.Array or JsonValueKind.Object)
            {
                tokens += Structured(value, encoding); // tool_calls, function_call (names and arguments), audio references…
            }
        }
        return tokens;
    }

    private static long Parts(JsonElement parts, PromptEncoding encoding, long mediaAllowance)
    {
        long tokens = 0;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            tokens += PerPart;
            if (part.ValueKind == JsonValueKind.String)
            {
                tokens += String(part, encoding);
                continue;
            }
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type"u8, out JsonElement type) || type.ValueKind != JsonValueKind.String)
            {
                tokens += Bytes(part);
                continue;
            }
            if ((type.ValueEquals("text"u8) || type.ValueEquals("refusal"u8)) && TextOf(part, out JsonElement text))
                tokens += String(text, encoding);
            else if (type.ValueEquals("image_url"u8))
                tokens += mediaAllowance; // the image's tokens, not its URL's or base64's text
            else
                tokens += Bytes(part) + mediaAllowance; // audio, files, a type Nemo doesn't know: bytes, as without a tokenizer
        }
        return tokens;
    }

    private static bool TextOf(JsonElement part, out JsonElement text)
    {
        foreach (JsonProperty field in part.EnumerateObject())
        {
            if (!field.NameEquals("type"u8) && !(field.NameEquals("text"u8) || field.NameEquals("refusal"u8)))
            {
                text = default;
                return false; // anything else beside the text (cache_control…): counted by bytes
            }
        }
        return part.TryGetProperty("text"u8, out text) && text.ValueKind == JsonValueKind.String
            || part.TryGetProperty("refusal"u8, out text) && text.ValueKind == JsonValueKind.String;
    }

    /// <summary>A prompt or an input: a string, an array of strings, a token array, or an array of token arrays.</summary>
    private static long Inputs(JsonElement input, PromptEncoding encoding)
    {
        switch (input.ValueKind)
        {
            case JsonValueKind.String:
                return String(input, encoding);
            case JsonValueKind.Number:
                return 1; // one token id
            case JsonValueKind.Array:
                long tokens = 0;
                foreach (JsonElement item in input.EnumerateArray())
                    tokens += Inputs(item, encoding);
                return tokens;
            default:
                return Bytes(input);
        }
    }

    /// <summary>JSON the provider renders into the prompt (a tool definition, a tool call, a schema): every key and value, plus an allowance each.</summary>
    private static long Structured(JsonElement element, PromptEncoding encoding)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                long fields = 0;
                foreach (JsonProperty field in element.EnumerateObject())
                    fields += PerStructuredItem + Name(field, encoding) + Structured(field.Value, encoding);
                return fields;
            case JsonValueKind.Array:
                long items = 0;
                foreach (JsonElement item in element.EnumerateArray())
                    items += Structured(item, encoding);
                return items;
            case JsonValueKind.String:
                return PerStructuredItem + String(element, encoding);
            default:
                return PerStructuredItem + Bytes(element); // a number, true, false, null: at most a token per character
        }
    }

    private static long Name(JsonProperty field, PromptEncoding encoding)
    {
        ReadOnlySpan<byte> raw = JsonMarshal.GetRawUtf8PropertyName(field);
        return raw.IndexOf((byte)'\\') < 0 ? encoding.Count(raw) : encoding.Count(field.Name);
    }

    /// <summary>A JSON string's tokens, from its UTF-8 bytes in the body (no heap string unless it has escapes).</summary>
    internal static long String(JsonElement value, PromptEncoding encoding)
    {
        ReadOnlySpan<byte> quoted = JsonMarshal.GetRawUtf8Value(value);
        ReadOnlySpan<byte> raw = quoted[1..^1];
        if (raw.IndexOf((byte)'\\') < 0)
            return encoding.Count(raw);
        // Escaped (\n, \", \u00e9…): unescaped by the JSON reader into a pooled buffer, never longer than the raw text.
        char[] chars = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            var reader = new Utf8JsonReader(quoted);
            reader.Read();
            int written = reader.CopyString(chars);
            return encoding.Count(chars.AsSpan(0, written));
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape ("\ud800"): the provider reads a replacement character; its escaped bytes bound it.
            return raw.Length;
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }

    private static long Bytes(JsonElement value) => JsonMarshal.GetRawUtf8Value(value).Length;
}
