using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>A model as the gateway uses it: where to send it, what it costs (in nanos) and how long its provider may take.</summary>
internal sealed record CatalogModel(string Name, string Provider, Uri BaseUrl, string? ApiKey, ModelPrice Price, long OutputCap, string OutputLimitField,
    ProviderTimeouts Timeouts);
