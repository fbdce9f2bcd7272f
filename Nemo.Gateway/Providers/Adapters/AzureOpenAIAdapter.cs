using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// Azure OpenAI: the deployment is in the path (<c>UpstreamModel</c>, default the model's name), the API
/// version in the query (<c>ApiVersion</c>), the key in an <c>api-key</c> header. Bodies are OpenAI's.
/// </summary>
internal sealed class AzureOpenAIAdapter : IProviderAdapter
{
    public bool Serves(LlmEndpoint endpoint) => true;

    public HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream)
    {
        var path = $"openai/deployments/{Uri.EscapeDataString(deployment.UpstreamModel)}/{endpoint.UpstreamPath()}?api-version={Uri.EscapeDataString(deployment.ApiVersion ?? "")}";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseUrl, path)) { Content = OpenAIBodies.Json(body) };
        if (!string.IsNullOrEmpty(deployment.ApiKey))
            request.Headers.TryAddWithoutValidation("api-key", deployment.ApiKey);
        return request;
    }

    public HttpResponseMessage TranslateResponse(HttpResponseMessage response, CatalogModel deployment, LlmEndpoint endpoint, bool stream) => response;
}
