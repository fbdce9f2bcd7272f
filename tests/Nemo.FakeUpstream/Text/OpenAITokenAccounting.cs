using System.IO.Compression;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Nemo.FakeUpstream;

/// <summary>
/// Counts a chat prompt the way OpenAI does (the <c>prompt_tokenizer</c> knob): tiktoken's exact count of each
/// message's text values (role, content or its text parts, name, tool call id, tool calls' names and arguments),
/// plus 3 per message, 1 per name, and 3 priming the reply (OpenAI's cookbook, "How to count tokens with
/// tiktoken"); tool definitions by the cookbook's function formula; an image part as 85 tokens (a low-detail
/// image). Special-token literals such as <c>&lt;|endoftext|&gt;</c> are plain text, as on OpenAI's API, and a lone
/// surrogate escape reads as U+FFFD, as tiktoken encodes it.
/// </summary>
public sealed class OpenAITokenAccounting
{
    public const string O200kBase = "o200k_base";
    public const string Cl100kBase = "cl100k_base";

    // tiktoken's pre-tokenizer patterns (tiktoken_ext/openai_public.py), as Microsoft.ML.Tokenizers writes them.
    private const string O200kPattern = @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";
    private const string Cl100kPattern = @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s";

    private static readonly Lazy<OpenAITokenAccounting> O200k = new(() => new(O200kBase, O200kPattern, "Microsoft.ML.Tokenizers.Data.O200kBase", funcInit: 7));
    private static readonly Lazy<OpenAITokenAccounting> Cl100k = new(() => new(Cl100kBase, Cl100kPattern, "Microsoft.ML.Tokenizers.Data.Cl100kBase", funcInit: 10));

    private readonly Tokenizer _tokenizer;
    private readonly int _funcInit;

    private OpenAITokenAccounting(string name, string pattern, string dataAssembly, int funcInit)
    {
        // The library's CreateForEncoding registers <|endoftext|> & co. as special tokens found in any text; OpenAI's API
        // reads them as plain text, so the vocabulary is loaded without special tokens.
        Assembly data = Assembly.Load(dataAssembly);
        using Stream compressed = data.GetManifestResourceStream(name + ".tiktoken.deflate")
            ?? throw new InvalidOperationException($"{dataAssembly} has no {name} vocabulary.");
        using var vocabulary = new DeflateStream(compressed, CompressionMode.Decompress);
        _tokenizer = TiktokenTokenizer.Create(vocabulary, new RegexPreTokenizer(new Regex(pattern, RegexOptions.Compiled), null), normalizer: null, specialTokens: null);
        _funcInit = funcInit;
        Name = name;
    }

    public string Name { get; }

    /// <summary>o200k_base or cl100k_base; false for any other name.</summary>
    public static bool TryGet(string? name, out OpenAITokenAccounting accounting)
    {
        accounting = name switch
        {
            O200kBase => O200k.Value,
            Cl100kBase => Cl100k.Value,
            _ => null!,
        };
        return accounting is not null;
    }

    /// <summary>tiktoken's count of the text (no special tokens).</summary>
    public int CountText(string text) => text.Length == 0 ? 0 : _tokenizer.CountTokens(text);

    /// <summary>The prompt tokens of a chat request's messages and tool definitions.</summary>
    public int CountChat(JsonElement messages, JsonElement? tools)
    {
        var tokens = 3; // <|im_start|>assistant<|im_sep|>
        if (messages.ValueKind == JsonValueKind.Array)
        {
            foreach (var message in messages.EnumerateArray())
            {
                tokens += 3;
                if (message.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                foreach (var field in message.EnumerateObject())
                {
                    tokens += field.Name switch
                    {
                        "content" => Content(field.Value),
                        "name" => 1 + Text(field.Value),
                        "tool_calls" => ToolCalls(field.Value),
                        _ => Text(field.Value), // role, tool_call_id, refusal
                    };
                }
            }
        }

        if (tools is { ValueKind: JsonValueKind.Array } definitions && definitions.GetArrayLength() > 0)
        {
            tokens += Functions(definitions);
        }

        return tokens;
    }

    private int Content(JsonElement content)
    {
        if (content.ValueKind != JsonValueKind.Array)
        {
            return Text(content);
        }

        var tokens = 0;
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type))
            {
                tokens += Text(part);
            }
            else if (type.ValueEquals("image_url"))
            {
                tokens += 85;
            }
            else if (part.TryGetProperty("text", out var text))
            {
                tokens += Text(text);
            }
        }

        return tokens;
    }

    private int ToolCalls(JsonElement calls)
    {
        var tokens = 0;
        if (calls.ValueKind != JsonValueKind.Array)
        {
            return 0;
        }

        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind == JsonValueKind.Object && call.TryGetProperty("function", out var function) && function.ValueKind == JsonValueKind.Object)
            {
                tokens += 3 + (function.TryGetProperty("name", out var name) ? Text(name) : 0)
                    + (function.TryGetProperty("arguments", out var arguments) ? Text(arguments) : 0);
            }
        }

        return tokens;
    }

    /// <summary>The cookbook's function formula: per function 7 (o200k) or 10 (cl100k), "name:description",
    /// 3 + per property 3 + "name:type:description", enum values 3 each (−3 per enum), and 12 at the end.</summary>
    private int Functions(JsonElement tools)
    {
        var tokens = 12;
        foreach (var tool in tools.EnumerateArray())
        {
            var function = tool.ValueKind == JsonValueKind.Object && tool.TryGetProperty("function", out var f) ? f : tool;
            if (function.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            tokens += _funcInit;
            tokens += CountText($"{Str(function, "name")}:{Str(function, "description").TrimEnd('.')}");
            if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object
                && parameters.TryGetProperty("properties", out var properties) && properties.ValueKind == JsonValueKind.Object)
            {
                var first = true;
                foreach (var property in properties.EnumerateObject())
                {
                    if (first)
                    {
                        tokens += 3;
                        first = false;
                    }

                    tokens += 3;
                    if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("enum", out var values) && values.ValueKind == JsonValueKind.Array)
                    {
                        tokens -= 3;
                        foreach (var value in values.EnumerateArray())
                        {
                            tokens += 3 + Text(value);
                        }
                    }

                    tokens += CountText($"{property.Name}:{Str(property.Value, "type")}:{Str(property.Value, "description").TrimEnd('.')}");
                }
            }
        }

        return tokens;
    }

    private static string Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? Unescape(value) : "";

    private int Text(JsonElement value) => value.ValueKind == JsonValueKind.String ? CountText(Unescape(value)) : 0;

    /// <summary>A JSON string's text; a lone surrogate escape becomes U+FFFD (System.Text.Json refuses to decode it).</summary>
    public static string Unescape(JsonElement value)
    {
        try
        {
            return value.GetString() ?? "";
        }
        catch (InvalidOperationException)
        {
            var raw = Encoding.UTF8.GetString(JsonMarshal.GetRawUtf8Value(value)[1..^1]);
            var text = new StringBuilder(raw.Length);
            for (var i = 0; i < raw.Length; i++)
            {
                if (raw[i] != '\\')
                {
                    text.Append(raw[i]);
                    continue;
                }

                var escape = raw[++i];
                text.Append(escape switch
                {
                    'n' => '\n',
                    'r' => '\r',
                    't' => '\t',
                    'b' => '\b',
                    'f' => '\f',
                    'u' => (char)Convert.ToUInt16(raw.Substring(i + 1, 4), 16),
                    _ => escape,
                });
                if (escape == 'u')
                {
                    i += 4;
                }
            }

            // Pairs stay pairs; a surrogate left alone is replaced.
            var runes = new StringBuilder(text.Length);
            for (var i = 0; i < text.Length; i++)
            {
                if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                {
                    runes.Append(text[i]).Append(text[++i]);
                }
                else
                {
                    runes.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
                }
            }

            return runes.ToString();
        }
    }
}
