using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>
/// One deployment of a public model: where to send it (provider, base URL, credential and the provider's
/// name for it), what it costs (in nanos), how long its provider may take, its routing weight, and its tokenizer when
/// known (prompts are then bounded by their exact token count). A model
/// offered by several providers has one per provider.
/// </summary>
internal sealed record CatalogModel(string Name, string Provider, Uri BaseUrl, string? ApiKey, ModelPrice Price, long OutputCap, string OutputLimitField,
    ProviderTimeouts Timeouts, string? UpstreamName = null, int Weight = 1, ProviderKind Kind = ProviderKind.OpenAI, string? ApiVersion = null,
    Proxy.PromptEncoding? Tokenizer = null)
{
    /// <summary>The model name the provider expects.</summary>
    public string UpstreamModel => UpstreamName ?? Name;

    /// <summary>Whether the request body's <c>model</c> must be rewritten for this deployment.</summary>
    public bool RenamesModel => UpstreamName is not null && UpstreamName != Name;
}
