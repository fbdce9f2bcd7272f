namespace Nemo.Gateway.Providers;

/// <summary>One upstream provider, bound from <c>Nemo:Providers:{name}</c>.</summary>
public sealed class ProviderOptions
{
    /// <summary>OpenAI-compatible base URL including the version segment, e.g. https://api.openai.com/v1.</summary>
    public string BaseUrl { get; set; } = "";

    /// <summary>The provider's API key, sent upstream as a bearer token (never the client's virtual key).</summary>
    public string? ApiKey { get; set; }

    /// <summary>Models served by this provider, by the name clients send.</summary>
    public Dictionary<string, ModelOptions> Models { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>A model's price (USD per million tokens, parsed as exact decimals) and output cap.</summary>
public sealed class ModelOptions
{
    public decimal InputPerMillion { get; set; }

    public decimal OutputPerMillion { get; set; }

    /// <summary>Most output tokens a request may produce when it sets no limit; Nemo then sets it upstream.</summary>
    public long OutputCap { get; set; } = 4096;

    /// <summary>Which request field carries the output limit set by Nemo: max_tokens (default) or max_completion_tokens.</summary>
    public string OutputLimitField { get; set; } = "max_tokens";
}
