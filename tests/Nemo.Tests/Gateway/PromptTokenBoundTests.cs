using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.ML.Tokenizers;
using Nemo.FakeUpstream;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Nemo.Grains.Money;

namespace Nemo.Tests.Gateway;

/// <summary>
/// Exact prompt bounds (docs/decisions/0024-exact-prompt-bounds.md): on ordinary text they are tiktoken's count plus
/// the documented overhead; on hostile text they are never below what a real OpenAI model counts (the fake's
/// <see cref="OpenAITokenAccounting"/>, which reads special-token literals as text, like the API); the catalog's rules.
/// </summary>
public sealed class PromptTokenBoundTests
{
    private static readonly GatewayOptions Options = new();
    private static readonly RequestInspector Inspector = new(Options);

    private static CatalogModel Deployment(string name, PromptEncoding? tokenizer, string provider = "p") =>
        new(name, provider, new Uri("http://127.0.0.1:1/v1/"), null, new ModelPrice(1_000, 2_000), 100, "max_tokens",
            new ProviderTimeouts(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1)), Tokenizer: tokenizer);

    private static readonly ModelCatalog Catalog = new(new Dictionary<string, CatalogModel>
    {
        ["gpt-4o"] = Deployment("gpt-4o", PromptEncoding.O200kBase),
        ["gpt-4"] = Deployment("gpt-4", PromptEncoding.Cl100kBase),
        ["unknown"] = Deployment("unknown", null),
    });

    private static InspectedRequest Inspect(string body, LlmEndpoint endpoint = LlmEndpoint.ChatCompletions)
    {
        Assert.True(Inspector.TryInspect(endpoint, Encoding.UTF8.GetBytes(body), Catalog, out InspectedRequest request, out _, out OpenAIError error), error.Message);
        return request;
    }

    private static readonly Tokenizer O200k = TiktokenTokenizer.CreateForEncoding("o200k_base");

    [Fact]
    public void EnglishChat_IsO200kCountPlusTheDocumentedOverhead()
    {
        const string system = "You are a helpful assistant who answers briefly and politely.";
        const string user = "Please summarise the quarterly report: revenue grew by 12% while costs fell in every region except the north.";
        string body = JsonSerializer.Serialize(new
        {
            model = "gpt-4o",
            max_tokens = 50,
            messages = new object[] { new { role = "system", content = system }, new { role = "user", content = user, name = "ann" } },
        });

        InspectedRequest request = Inspect(body);

        long expected = PromptTokenBound.ReplyPriming
            + PromptTokenBound.PerMessage + O200k.CountTokens("system") + O200k.CountTokens(system)
            + PromptTokenBound.PerMessage + O200k.CountTokens("user") + O200k.CountTokens(user) + PromptTokenBound.PerName + O200k.CountTokens("ann");
        Assert.Equal(expected, request.PromptTokensUpper);
        Assert.Equal(expected + 50, request.TokenEstimate);
        // OpenAI's own accounting (3 per message, 1 per name, 3 for the reply) is at most 2 below it: one per message.
        Assert.True(OpenAITokenAccounting.TryGet("o200k_base", out OpenAITokenAccounting real));
        using JsonDocument json = JsonDocument.Parse(body);
        Assert.Equal(expected - 2, real.CountChat(json.RootElement.GetProperty("messages"), null));
        // The byte bound it replaces is several times larger.
        Assert.True(Inspect(body.Replace("gpt-4o", "unknown")).PromptTokensUpper > 3 * expected);
    }

    [Fact]
    public void ImageAndUnknownParts_KeepTheirAllowances()
    {
        const string body = """
            {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},
            {"type":"image_url","image_url":{"url":"https://example.com/cat.png"}},
            {"type":"input_audio","input_audio":{"data":"UklGRiQAAABXQVZFZm10IBAAAAABAAEA","format":"wav"}}]}]}
            """;
        using JsonDocument json = JsonDocument.Parse(body);
        string audio = json.RootElement.GetProperty("messages")[0].GetProperty("content")[2].GetRawText();
        long expected = PromptTokenBound.ReplyPriming + PromptTokenBound.PerMessage + O200k.CountTokens("user")
            + 3 * PromptTokenBound.PerPart + O200k.CountTokens("What is in this picture?")
            + Options.ImageTokenAllowance + Encoding.UTF8.GetByteCount(audio) + Options.ImageTokenAllowance;
        Assert.Equal(expected, Inspect(body).PromptTokensUpper);
    }

    [Theory]
    [InlineData("{\"model\":\"gpt-4\",\"input\":[\"hello world\",\"good morning\"]}", false, 4)]
    [InlineData("{\"model\":\"gpt-4\",\"input\":[[1,2,3],[4,5]]}", false, 5)]
    [InlineData("{\"model\":\"gpt-4\",\"prompt\":\"hello world\",\"max_tokens\":5}", true, 2)]
    public void EmbeddingsAndCompletions_AreCountedExactly(string body, bool completion, long expected) =>
        Assert.Equal(expected, Inspect(body, completion ? LlmEndpoint.Completions : LlmEndpoint.Embeddings).PromptTokensUpper);

    [Fact]
    public void SpecialTokenLiteralsAndLongRuns_FallBackToBytes()
    {
        // The library reads "<|endoftext|>" as one special token; OpenAI's API reads it as text (7 tokens).
        Assert.Equal(1, O200k.CountTokens("<|endoftext|>"));
        Assert.Equal(13, PromptEncoding.O200kBase.Count("<|endoftext|>".AsSpan()));
        Assert.True(OpenAITokenAccounting.TryGet("o200k_base", out OpenAITokenAccounting real));
        Assert.True(real.CountText("<|endoftext|>") is > 1 and <= 13);
        // One 100,000-letter word is never handed to the byte-pair merge (its cost is quadratic in the run).
        string word = new('a', 100_000);
        Assert.False(PromptEncoding.Countable(word));
        Assert.Equal(100_000, PromptEncoding.O200kBase.Count(word.AsSpan()));
        Assert.True(PromptEncoding.Countable("an ordinary sentence, with punctuation: and 1234567 digits!"));
        Assert.False(PromptEncoding.Countable(string.Concat(Enumerable.Repeat("!\u0001", 40))));
        Assert.False(PromptEncoding.Countable(string.Concat(Enumerable.Repeat("/\n", 40))));
    }

    [Fact]
    public void LoneSurrogateEscape_IsBoundedByItsBytes_AndForwardedAsSent()
    {
        // No max_tokens: Nemo rewrites the body to set one, copying the message byte for byte.
        const string body = "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"ab\\ud800cd\"}]}";
        InspectedRequest request = Inspect(body);
        Assert.Contains("\"content\":\"ab\\ud800cd\"", Encoding.UTF8.GetString(request.UpstreamBody.Span));
        Assert.Contains("\"max_tokens\":100", Encoding.UTF8.GetString(request.UpstreamBody.Span));
        Assert.Equal(PromptTokenBound.ReplyPriming + PromptTokenBound.PerMessage + O200k.CountTokens("user") + "ab\\ud800cd".Length, request.PromptTokensUpper);
    }

    /// <summary>
    /// Many generated hostile prompts (fixed seed): the bound of an o200k_base and of a cl100k_base model is never below
    /// the real tokenizer's count with OpenAI's formula, and the bound is far below the byte bound on ordinary text.
    /// </summary>
    [Theory]
    [InlineData("gpt-4o", "o200k_base")]
    [InlineData("gpt-4", "cl100k_base")]
    public void AdversarialPrompts_AreNeverBoundedBelowTheRealCount(string model, string encoding)
    {
        Assert.True(OpenAITokenAccounting.TryGet(encoding, out OpenAITokenAccounting real));
        var random = new Random(20261202);
        int exactlyCounted = 0;
        for (int i = 0; i < 400; i++)
        {
            string body = AdversarialChat(random, model);
            InspectedRequest request = Inspect(body);
            using JsonDocument json = JsonDocument.Parse(body);
            json.RootElement.TryGetProperty("tools", out JsonElement tools);
            long actual = real.CountChat(json.RootElement.GetProperty("messages"), tools.ValueKind == JsonValueKind.Array ? tools : null);
            Assert.True(request.PromptTokensUpper >= actual, $"bound {request.PromptTokensUpper} < real count {actual} for {body}");
            if (request.PromptTokensUpper < Encoding.UTF8.GetByteCount(body))
                exactlyCounted++;
        }
        Assert.True(exactlyCounted > 100, $"only {exactlyCounted} of 400 bounds were below the byte count");
    }

    private static readonly string[] Pieces =
    [
        "The quick brown fox jumps over the lazy dog. ", "它们在北京的大学里学习中文和日本語。", "東京特許許可局", "한국어 텍스트와 English 혼합",
        "👩‍👩‍👧‍👦", "👍🏽👍🏿", "🏳️‍🌈", "🧑🏾‍🚀✨", "1234567890123456789012345678901234567890", "3.14159265358979", "        ", "\n\n\n\n", "\r\n\t \r\n",
        "!!!!!!!!!!????", "...---...", "<|endoftext|>", "<|fim_prefix|>", "<|endofprompt|>", "<|im_start|>", "don't we'll they're I'M",
        "Zalgo: z̴̢̛͓a̷̠͆l̶̺̈g̸̱̓o̵̞͑", "Ελληνικά Русский עברית العربية हिन्दी", "/\n/\n/\n", "\u0001\u0002\u0003", "ﬁ ﬂ Å Å", "\u200b\u200d\ufeff",
        "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVo=", "aGVsbG8gd29ybGQgdGhpcyBpcyBiYXNlNjQ=", "{\"json\": [1, 2, {\"a\": null}]}",
    ];

    /// <summary>A chat request of 1–4 messages built from hostile pieces, long words, base64 blobs, lone surrogates, parts, names, tool calls and tools.</summary>
    private static string AdversarialChat(Random random, string model)
    {
        var json = new StringBuilder("{\"model\":").Append(Quote(model)).Append(",\"messages\":[");
        int messages = random.Next(1, 5);
        for (int m = 0; m < messages; m++)
        {
            if (m > 0)
                json.Append(',');
            json.Append("{\"role\":").Append(Quote(new[] { "system", "user", "assistant", "tool", "developer" }[random.Next(5)]));
            if (random.Next(4) == 0)
                json.Append(",\"name\":").Append(Quote(Text(random, 12)));
            if (random.Next(3) == 0)
            {
                json.Append(",\"content\":[");
                int parts = random.Next(1, 4);
                for (int p = 0; p < parts; p++)
                    json.Append(p > 0 ? "," : "").Append("{\"type\":\"text\",\"text\":").Append(Quote(Text(random, 400))).Append('}');
                json.Append(']');
            }
            else
            {
                json.Append(",\"content\":").Append(Quote(Text(random, 600)));
            }
            if (random.Next(6) == 0)
                json.Append(",\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":").Append(Quote(Text(random, 10)))
                    .Append(",\"arguments\":").Append(Quote("{\"q\":" + Quote(Text(random, 80)) + "}")).Append("}}]");
            json.Append('}');
        }
        json.Append(']');
        if (random.Next(5) == 0)
        {
            json.Append(",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"description\":").Append(Quote(Text(random, 60)))
                .Append(",\"parameters\":{\"type\":\"object\",\"properties\":{\"unit\":{\"type\":\"string\",\"description\":").Append(Quote(Text(random, 30)))
                .Append(",\"enum\":[\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\"]},\"q\":{\"type\":\"string\",\"description\":\"\"}}}}}]");
        }
        return json.Append('}').ToString();
    }

    private static string Text(Random random, int approximateLength)
    {
        var text = new StringBuilder();
        int target = random.Next(0, approximateLength);
        while (text.Length < target)
        {
            switch (random.Next(12))
            {
                case 0: // a very long single word (letters, then mixed case)
                    text.Append(new string((char)('a' + random.Next(26)), random.Next(50, 300)));
                    break;
                case 1: // a base64 blob
                    byte[] bytes = new byte[random.Next(20, 400)];
                    random.NextBytes(bytes);
                    text.Append(Convert.ToBase64String(bytes));
                    break;
                case 2: // random code points, lone surrogates included
                    for (int k = random.Next(1, 20); k > 0; k--)
                        text.Append((char)random.Next(1, 0xFFFF));
                    break;
                case 3: // a long digit string
                    for (int k = random.Next(10, 200); k > 0; k--)
                        text.Append((char)('0' + random.Next(10)));
                    break;
                case 4: // whitespace and newline runs
                    text.Append(new string(" \n\t\r"[random.Next(4)], random.Next(1, 150)));
                    break;
                case 5: // repeated punctuation
                    text.Append(new string("!?.-*#/~"[random.Next(8)], random.Next(2, 150)));
                    break;
                default:
                    text.Append(Pieces[random.Next(Pieces.Length)]);
                    break;
            }
        }
        return text.ToString();
    }

    /// <summary>A JSON string literal; lone surrogates are written as \u escapes (no encoder writes them otherwise).</summary>
    private static string Quote(string text)
    {
        var json = new StringBuilder("\"");
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            bool pair = char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]);
            if (pair)
                json.Append(c).Append(text[++i]);
            else if (c is '"' or '\\')
                json.Append('\\').Append(c);
            else if (c < 0x20 || char.IsSurrogate(c))
                json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            else
                json.Append(c);
        }
        return json.Append('"').ToString();
    }

    [Fact]
    public void Catalog_UsesExactCountsOnlyWhenEveryReachableDeploymentHasATokenizer()
    {
        ModelCatalog catalog = ModelCatalog.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nemo:Providers:a:BaseUrl"] = "http://127.0.0.1:1/v1",
            ["Nemo:Providers:a:Models:both:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:both:OutputPerMillion"] = "2",
            ["Nemo:Providers:a:Models:both:Tokenizer"] = "o200k_base",
            ["Nemo:Providers:a:Models:half:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:half:OutputPerMillion"] = "2",
            ["Nemo:Providers:a:Models:half:Tokenizer"] = "o200k_base",
            ["Nemo:Providers:a:Models:falls:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:falls:OutputPerMillion"] = "2",
            ["Nemo:Providers:a:Models:falls:Tokenizer"] = "O200K_BASE",
            ["Nemo:Providers:a:Models:plain:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:plain:OutputPerMillion"] = "2",
            ["Nemo:Providers:b:BaseUrl"] = "http://127.0.0.1:2/v1",
            ["Nemo:Providers:b:Models:both:InputPerMillion"] = "1",
            ["Nemo:Providers:b:Models:both:OutputPerMillion"] = "2",
            ["Nemo:Providers:b:Models:both:Tokenizer"] = "cl100k_base",
            ["Nemo:Providers:b:Models:half:InputPerMillion"] = "1",
            ["Nemo:Providers:b:Models:half:OutputPerMillion"] = "2",
            ["Nemo:Routing:Fallbacks:falls:0"] = "plain",
        }).Build());

        Assert.Equal(["cl100k_base", "o200k_base"], catalog.PromptEncodings("both")!.Select(e => e.Name).Order());
        Assert.Null(catalog.PromptEncodings("half")); // one deployment without a tokenizer
        Assert.Null(catalog.PromptEncodings("falls")); // its fallback has none
        Assert.Null(catalog.PromptEncodings("plain"));
        Assert.Null(catalog.PromptEncodings("no-such-model"));

        // Two encodings: the bound is the larger count.
        const string body = "{\"model\":\"both\",\"messages\":[{\"role\":\"user\",\"content\":\"東京特許許可局 👩‍👩‍👧‍👦 and some English text\"}]}";
        Assert.True(Inspector.TryInspect(LlmEndpoint.ChatCompletions, Encoding.UTF8.GetBytes(body), catalog, out InspectedRequest request, out _, out _));
        using JsonDocument json = JsonDocument.Parse(body);
        long o200k = PromptTokenBound.Chat(json.RootElement, [PromptEncoding.O200kBase], 0);
        long cl100k = PromptTokenBound.Chat(json.RootElement, [PromptEncoding.Cl100kBase], 0);
        Assert.NotEqual(o200k, cl100k);
        Assert.Equal(Math.Max(o200k, cl100k), request.PromptTokensUpper);
    }

    [Fact]
    public void Catalog_RefusesAnUnknownTokenizerAtStartUp()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ModelCatalog.FromConfiguration(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Nemo:Providers:a:BaseUrl"] = "http://127.0.0.1:1/v1",
            ["Nemo:Providers:a:Models:m:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:m:OutputPerMillion"] = "2",
            ["Nemo:Providers:a:Models:m:Tokenizer"] = "p50k_base",
            ["Nemo:Providers:a:Models:n:InputPerMillion"] = "1",
            ["Nemo:Providers:a:Models:n:OutputPerMillion"] = "2",
            ["Nemo:Providers:a:Models:n:Tokenizer"] = "llama3",
        }).Build()));
        Assert.Contains("Nemo:Providers:a:Models:m:Tokenizer must be o200k_base or cl100k_base", error.Message);
        Assert.Contains("(currently 'p50k_base')", error.Message);
        Assert.Contains("Nemo:Providers:a:Models:n:Tokenizer", error.Message);
    }
}
