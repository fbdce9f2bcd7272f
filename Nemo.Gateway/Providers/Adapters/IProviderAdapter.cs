using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// How one kind of provider is called: the request line and credentials for a deployment. Request and
/// response bodies are OpenAI-shaped for every kind supported so far. Adding a provider kind means one
/// adapter and its tests, registered in <see cref="ProviderAdapters"/>.
/// </summary>
internal interface IProviderAdapter
{
    HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, HttpContent content);
}
