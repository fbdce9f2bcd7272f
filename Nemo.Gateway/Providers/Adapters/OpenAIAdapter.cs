using System.Net.Http.Headers;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>OpenAI and compatible providers: <c>POST {BaseUrl}/chat/completions</c> with <c>Authorization: Bearer</c>; bodies are passed as they are.</summary>
internal sealed class OpenAIAdapter : IProviderAdapter
{
    public bool Serves(LlmEndpoint endpoint) => true;

    public HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseUrl, endpoint.UpstreamPath())) { Content = OpenAIBodies.Json(body) };
        if (!string.IsNullOrEmpty(deployment.ApiKey))
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", deployment.ApiKey);
        return request;
    }

    public HttpResponseMessage TranslateResponse(HttpResponseMessage response, CatalogModel deployment, LlmEndpoint endpoint, bool stream) => response;
}
