namespace Nemo.FakeUpstream;

/// <summary>
/// Behaviour knobs of the fake provider. Bound from the "FakeUpstream" configuration section
/// (e.g. env <c>FakeUpstream__LatencyMs=5</c>) unless an instance is passed to
/// <see cref="FakeUpstreamApp.Build"/>. The instance is read on every request, so a test may
/// change a property while the app runs. Per request, the <c>x-fake-*</c> headers and then a
/// <c>"user":"fake:…"</c> body field override these values.
/// </summary>
public sealed class FakeUpstreamOptions
{
    /// <summary>The configuration section the options are bound from.</summary>
    public const string SectionName = "FakeUpstream";

    /// <summary>
    /// The echo model: a non-streamed chat completion for it answers the last user message verbatim, so a
    /// test sees exactly what reached the provider (e.g. a guardrail's masks). Streams answer as usual.
    /// </summary>
    public const string EchoModel = "echo";

    /// <summary>The models listed by GET /v1/models when none are configured.</summary>
    public static readonly IReadOnlyList<string> DefaultModels =
        ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small", "gpt-3.5-turbo-instruct"];

    /// <summary>Delay before the response starts, in ms.</summary>
    public int LatencyMs { get; set; }

    /// <summary>Delay between two stream events, in ms.</summary>
    public int ChunkDelayMs { get; set; }

    /// <summary>Completion tokens generated when max_tokens does not ask for fewer.</summary>
    public int CompletionTokens { get; set; } = 16;

    /// <summary>Embedding length when the request has no <c>dimensions</c>.</summary>
    public int EmbeddingDimensions { get; set; } = 8;

    /// <summary>How requests are answered.</summary>
    public FakeMode Mode { get; set; } = FakeMode.Ok;

    /// <summary>In <see cref="FakeMode.Cut"/>, content chunks sent before the connection is aborted.</summary>
    public int CutAfterChunks { get; set; } = 3;

    /// <summary>
    /// When set, /v1 requests need <c>Authorization: Bearer {RequiredApiKey}</c>, else 401; Gemini requests
    /// need <c>x-goog-api-key: {RequiredApiKey}</c>, else 403 (no key) or 400 API_KEY_INVALID, as Gemini answers.
    /// </summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>
    /// How chat prompt tokens are counted: null (default) for ceil(UTF-8 bytes / 4) + 3 per message, or a tiktoken
    /// encoding, <c>o200k_base</c> or <c>cl100k_base</c>, to count like a real OpenAI model (<see cref="OpenAITokenAccounting"/>).
    /// </summary>
    public string? PromptTokenizer { get; set; }

    /// <summary>Gemini answers: the prompt tokens reported as cached (<c>cachedContentTokenCount</c>, part of <c>promptTokenCount</c>; at most the prompt).</summary>
    public int GeminiCachedTokens { get; set; }

    /// <summary>
    /// Gemini answers: the thinking tokens reported (<c>thoughtsTokenCount</c>, billed as output beside
    /// <c>candidatesTokenCount</c>). As with Gemini they count against maxOutputTokens: the text gets what they leave.
    /// </summary>
    public int GeminiThoughtsTokens { get; set; }

    /// <summary>The fake Anthropic's <c>cache_read_input_tokens</c> (reported beside, not inside, input_tokens, as Anthropic does).</summary>
    public int CacheReadTokens { get; set; }

    /// <summary>The fake Anthropic's <c>cache_creation_input_tokens</c>.</summary>
    public int CacheWriteTokens { get; set; }

    /// <summary>
    /// When set, chat usage reports <c>prompt_tokens_details.cached_tokens</c> with this value, as given (even
    /// when larger than <c>prompt_tokens</c>, like a hostile provider).
    /// </summary>
    public int? CachedTokens { get; set; }

    /// <summary>
    /// When set, chat usage reports <c>completion_tokens_details.reasoning_tokens</c> with this value, as given,
    /// as a part of the unchanged <c>completion_tokens</c>.
    /// </summary>
    public int? ReasoningTokens { get; set; }

    /// <summary>Model ids listed by GET /v1/models.</summary>
    public IReadOnlyList<string> Models { get; set; } = DefaultModels;
}
