using System.Net.Http.Headers;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>OpenAI and compatible providers: <c>POST {BaseUrl}/chat/completions</c> with <c>Authorization: Bearer</c>.</summary>
internal sealed class OpenAIAdapter : IProviderAdapter
{
    public HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseUrl, endpoint.UpstreamPath())) { Content = content };
        if (!string.IsNullOrEmpty(deployment.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", deployment.ApiKey);
        return request;
    }
}
