using Nemo.Grains.Money;

namespace Nemo.Gateway.Providers;

/// <summary>A model as the gateway uses it: where to send it and what it costs, in nanos.</summary>
internal sealed record CatalogModel(string Name, string Provider, Uri BaseUrl, string? ApiKey, ModelPrice Price, long OutputCap, string OutputLimitField);
