namespace Nemo.Gateway.Providers;

/// <summary>One upstream provider, bound from <c>Nemo:Providers:{name}</c>.</summary>
public sealed class ProviderOptions
{
    /// <summary>The API the provider speaks: <c>openai</c> (default; OpenAI and compatible providers), <c>azure</c> (Azure OpenAI), <c>anthropic</c> (Anthropic's Messages API) or <c>gemini</c> (Google Gemini's native API).</summary>
    public ProviderKind Kind { get; set; } = ProviderKind.OpenAI;

    /// <summary>
    /// For <c>openai</c>: the base URL including the version segment, e.g. https://api.openai.com/v1. For
    /// <c>azure</c>: the resource's endpoint, e.g. https://my-resource.openai.azure.com. For <c>anthropic</c>:
    /// https://api.anthropic.com/v1. For <c>gemini</c>: the API's versioned root, e.g. https://generativelanguage.googleapis.com/v1beta.
    /// </summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>
    /// Azure OpenAI's <c>api-version</c>, e.g. 2024-10-21 (required for <c>azure</c>); for <c>anthropic</c>, the
    /// <c>anthropic-version</c> header (default 2023-06-01).
    /// </summary>
    public string? ApiVersion { get; set; }

    /// <summary>The provider's API key, sent upstream as its kind expects (a bearer token, Azure's api-key, Anthropic's x-api-key, Gemini's x-goog-api-key header), never the client's virtual key.</summary>
    public string? ApiKey { get; set; }

    /// <summary>Longest wait to open a connection to the provider (default 10 s); then 502 upstream_unreachable.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest wait from sending a request to the provider's response headers (default 5 min, since a
    /// non-streamed completion sends its headers only when it is done); then 504 upstream_timeout.
    /// </summary>
    public TimeSpan FirstByteTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// Longest silence between two reads of a response body, streamed or not (default 60 s); then the
    /// response is ended as cut. A stream that keeps sending runs as long as it sends.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Models served by this provider, by the name clients send.</summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// A model's price (USD per million tokens, parsed as exact decimals) and output cap. A price configured here
/// (InputPerMillion and OutputPerMillion) wins; without one, the pricing catalog's entry for the provider's
/// kind and model is used (docs/PRICING.md).
/// </summary>
public sealed class ModelOptions
{
    public decimal? InputPerMillion { get; set; }

    public decimal? OutputPerMillion { get; set; }

    /// <summary>Input tokens read from the provider's prompt cache (default: InputPerMillion).</summary>
    public decimal? CachedInputPerMillion { get; set; }

    /// <summary>Input tokens written to the provider's prompt cache (default: InputPerMillion).</summary>
    public decimal? CacheWritePerMillion { get; set; }

    /// <summary>Output tokens spent reasoning (default: OutputPerMillion).</summary>
    public decimal? ReasoningPerMillion { get; set; }

    /// <summary>
    /// Most output tokens a request may produce when it sets no limit; Nemo then sets it upstream (default: the
    /// pricing catalog's output_cap for the model, else 4096).
    /// </summary>
    public long? OutputCap { get; set; }

    /// <summary>Which request field carries the output limit set by Nemo: max_tokens (default) or max_completion_tokens.</summary>
    public string OutputLimitField { get; set; } = "max_tokens";

    /// <summary>
    /// The provider's name for the model, when it differs from the public name clients send (default: the
    /// same). Nemo rewrites the request's <c>model</c> field for this deployment.
    /// </summary>
    public string? UpstreamModel { get; set; }

    /// <summary>
    /// This deployment's share of the model's traffic among its healthy deployments (default 1; 1 to 1000),
    /// when several providers offer the same public model.
    /// </summary>
    public int Weight { get; set; } = 1;

    /// <summary>
    /// The deployment's tokenizer, when known: <c>o200k_base</c> (GPT-4o, GPT-4.1, o-series) or <c>cl100k_base</c> (GPT-4,
    /// GPT-3.5-turbo, text-embedding-3). Prompts are then reserved at their exact token count (plus OpenAI's
    /// per-message overhead) instead of their byte length, if every deployment the model may reach has one.
    /// </summary>
    public string? Tokenizer { get; set; }

    /// <summary>
    /// This deployment's wait for the response headers, when it differs from its provider's <c>FirstByteTimeout</c>
    /// (e.g. a slow reasoning model beside fast ones on one provider). The connect timeout stays the provider's:
    /// connections are to the provider, shared by its models.
    /// </summary>
    public TimeSpan? FirstByteTimeout { get; set; }

    /// <summary>This deployment's longest silence between two reads of a body, when it differs from its provider's <c>IdleTimeout</c>.</summary>
    public TimeSpan? IdleTimeout { get; set; }
}
