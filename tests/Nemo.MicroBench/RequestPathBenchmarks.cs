using System.Buffers;
using System.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Nemo.Gateway.Anthropic;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Providers;
using Nemo.Gateway.Proxy;
using Nemo.Gateway.Responses;
using Nemo.Gateway.Routing;
using Nemo.Gateway.Translation;
using Nemo.Grains.Money;

namespace Nemo.MicroBench;

/// <summary>
/// The request path's CPU work on a 2 KB chat request: the exact prompt-token bound (and the whole inspection with it
/// and without it), routing (the weighted choice among three deployments and the model rewrite of the body), and the
/// /v1/messages and /v1/responses translations, both ways.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class RequestPathBenchmarks
{
    private static readonly Microsoft.ML.Tokenizers.Tokenizer Tokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer.CreateForEncoding("o200k_base");
    private static readonly TiktokenCounter Counter = TiktokenCounter.Load("o200k_base");
    private string _prompt = "";
    private byte[] _chat = [], _chatBytes = [];
    private JsonDocument _parsed = null!;
    private ModelCatalog _catalog = null!;
    private RequestInspector _inspector = null!;
    private DeploymentRouter _router = null!;
    private List<CatalogModel> _deployments = [];
    private byte[] _messages = [];
    private byte[] _responses = [];
    private byte[] _completion = [];
    private byte[] _chunk = [];
    private TranslatedRequest _fromMessages = null!, _fromResponses = null!;
    private readonly MessagesDialect _messagesDialect = new();
    private readonly ResponsesDialect _responsesDialect = new(TimeProvider.System);
    private readonly ArrayBufferWriter<byte> _output = new(4096);

    [GlobalSetup]
    public void Setup()
    {
        string prompt = _prompt = Prompt();
        _chat = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model = "gpt-4o",
            max_tokens = 200,
            messages = new object[] { new { role = "system", content = "You are a helpful assistant.\nAnswer briefly." }, new { role = "user", content = prompt } },
        });
        _parsed = JsonDocument.Parse(_chat);
        _chatBytes = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(_chat).Replace("\"gpt-4o\"", "\"gpt-4o-bytes\"", StringComparison.Ordinal));
        static CatalogModel Deployment(string model, string provider, int weight, PromptEncoding? tokenizer) =>
            new(model, provider, new Uri($"http://{provider}.example/v1/"), "sk", new ModelPrice(2_500_000_000, 10_000_000_000), 4096, "max_tokens",
                new ProviderTimeouts(TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(60)), UpstreamName: $"{provider}-gpt-4o",
                Weight: weight, Tokenizer: tokenizer);
        _catalog = new ModelCatalog(new Dictionary<string, CatalogModel>
        {
            ["gpt-4o"] = Deployment("gpt-4o", "openai", 1, PromptEncoding.O200kBase),
            ["gpt-4o-bytes"] = Deployment("gpt-4o-bytes", "openai", 1, null),
        });
        _inspector = new RequestInspector(new GatewayOptions());
        _deployments = [Deployment("gpt-4o", "a", 5, null), Deployment("gpt-4o", "b", 3, null), Deployment("gpt-4o", "c", 2, null)];
        _router = new DeploymentRouter(_catalog, null!, null!, null!, TimeProvider.System); // Choose touches only the deployments' health

        _messages = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model = "gpt-4o",
            max_tokens = 200,
            system = "You are a helpful assistant.\nAnswer briefly.",
            messages = new object[] { new { role = "user", content = new object[] { new { type = "text", text = prompt } } } },
        });
        _responses = JsonSerializer.SerializeToUtf8Bytes(new
        {
            model = "gpt-4o",
            max_output_tokens = 200,
            instructions = "You are a helpful assistant.\nAnswer briefly.",
            input = new object[] { new { role = "user", content = new object[] { new { type = "input_text", text = prompt } } } },
        });
        if (!_messagesDialect.TryTranslateRequest(_messages, out TranslatedRequest? m, out _) || !_responsesDialect.TryTranslateRequest(_responses, out TranslatedRequest? r, out _))
            throw new InvalidOperationException("The benchmark's requests do not translate.");
        _fromMessages = m!;
        _fromResponses = r!;
        _completion = Encoding.UTF8.GetBytes("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1764672000,"model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":"Revenue grew while costs fell in every region but the north; the notes flag two risks for the next quarter."},"finish_reason":"stop"}],"usage":{"prompt_tokens":420,"completion_tokens":25,"total_tokens":445}}
            """);
        _chunk = Encoding.UTF8.GetBytes("""{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1764672000,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":" revenue"},"finish_reason":null}]}""");
    }

    /// <summary>About 2 KB of English with the punctuation, newlines and numbers of a real prompt.</summary>
    internal static string Prompt()
    {
        var text = new StringBuilder("Please summarise the following notes for the board, in three bullet points:\n\n");
        string[] words = ["the", "quarterly", "report", "shows", "growth", "in", "revenue", "and", "a", "decline", "of", "costs", "across", "regions", "with", "notes", "2026", "Q3"];
        for (int i = 0; text.Length < 1900; i++)
            text.Append(words[i * 7 % words.Length]).Append(i % 13 == 12 ? ".\n" : i % 5 == 4 ? ", " : " ");
        return text.ToString();
    }

    [Benchmark(Description = "exact prompt bound (o200k_base), 2 KB chat")]
    public long CountTokens() => PromptTokenBound.Chat(_parsed.RootElement, [PromptEncoding.O200kBase], 3000);

    [Benchmark(Description = "of which: Nemo's count (TiktokenCounter) of the 2 KB prompt alone")]
    public int NemoCount() => Counter.Count(_prompt);

    [Benchmark(Description = "for comparison: the library's CountTokens of the same prompt")]
    public int LibraryCount() => Tokenizer.CountTokens(_prompt);

    /// <summary>Worst case for merging: 2 KB of random CJK ideographs in 60-character runs, each a piece that is not one token.</summary>
    internal static string RareCjk()
    {
        var random = new Random(1);
        var text = new StringBuilder();
        while (Encoding.UTF8.GetByteCount(text.ToString()) < 2000)
        {
            for (int i = 0; i < 60; i++)
                text.Append((char)random.Next(0x4E00, 0x9FFF));
            text.Append('，');
        }
        return text.ToString();
    }

    private readonly string _cjk = RareCjk();

    [Benchmark(Description = "Nemo's count of 2 KB of random CJK (long pieces, all merged)")]
    public int NemoCountCjk() => Counter.Count(_cjk);

    [Benchmark(Description = "for comparison: the library's CountTokens of the same CJK")]
    public int LibraryCountCjk() => Tokenizer.CountTokens(_cjk);

    [Benchmark(Description = "of which: the run scan (PromptEncoding.Countable) alone")]
    public bool RunScan() => PromptEncoding.Countable(_prompt);

    [Benchmark(Description = "inspect 2 KB chat, exact bound")]
    public long InspectExact()
    {
        _inspector.TryInspect(LlmEndpoint.ChatCompletions, _chat, _catalog, out InspectedRequest request, out _, out OpenAIError _);
        return request.PromptTokensUpper;
    }

    [Benchmark(Description = "inspect 2 KB chat, byte bound")]
    public long InspectBytes()
    {
        _inspector.TryInspect(LlmEndpoint.ChatCompletions, _chatBytes, _catalog, out InspectedRequest request, out _, out OpenAIError _);
        return request.PromptTokensUpper;
    }

    [Benchmark(Description = "routing: choose 1 of 3 weighted deployments + rewrite the model")]
    public int Route()
    {
        CatalogModel chosen = _router.Choose(_deployments);
        return ModelRewrite.Apply(_chat, chosen.UpstreamModel).Length;
    }

    [Benchmark(Description = "translate /v1/messages request")]
    public int TranslateMessages()
    {
        _messagesDialect.TryTranslateRequest(_messages, out TranslatedRequest? translated, out _);
        return translated!.Body.Length;
    }

    [Benchmark(Description = "translate /v1/responses request")]
    public int TranslateResponses()
    {
        _responsesDialect.TryTranslateRequest(_responses, out TranslatedRequest? translated, out _);
        return translated!.Body.Length;
    }

    [Benchmark(Description = "translate completion to /v1/messages")]
    public int MessagesCompletion() => _messagesDialect.Completion(_completion, "req-1", _fromMessages).Length;

    [Benchmark(Description = "translate completion to /v1/responses")]
    public int ResponsesCompletion() => _responsesDialect.Completion(_completion, "req-1", _fromResponses).Length;

    /// <summary>A translator is made per stream; this one's first chunk also writes its opening events.</summary>
    [Benchmark(Description = "translate stream chunk to /v1/messages")]
    public int MessagesChunk()
    {
        _output.ResetWrittenCount();
        _messagesDialect.Stream("req-1", _fromMessages).Translate(_chunk, _output);
        return _output.WrittenCount;
    }

    [Benchmark(Description = "translate stream chunk to /v1/responses")]
    public int ResponsesChunk()
    {
        _output.ResetWrittenCount();
        _responsesDialect.Stream("req-1", _fromResponses).Translate(_chunk, _output);
        return _output.WrittenCount;
    }
}
