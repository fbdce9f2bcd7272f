using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers.Adapters.Gemini;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// Google Gemini's native API (<c>Kind: gemini</c>): <c>POST {BaseUrl}/models/{model}:generateContent</c>,
/// or <c>:streamGenerateContent?alt=sse</c> for a stream, with the key in an <c>x-goog-api-key</c> header
/// (never in the URL, where it would reach logs). Chat completions only. The OpenAI request is translated by
/// <see cref="GeminiRequest"/> (which also decides what is refused), and the answer — a body, an event
/// stream, an error — back into OpenAI's shapes by <see cref="GeminiContent"/> as the proxy reads it.
/// The mapping choices are in docs/decisions/0022-gemini-upstream-mapping.md.
/// </summary>
internal sealed class GeminiAdapter(TimeProvider time) : IProviderAdapter
{
    public bool Serves(LlmEndpoint endpoint) => endpoint == LlmEndpoint.ChatCompletions;

    public OpenAIError? Refuses(LlmEndpoint endpoint, JsonElement request) =>
        endpoint == LlmEndpoint.ChatCompletions ? GeminiRequest.Check(request) : null;

    public HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream)
    {
        string model = Uri.EscapeDataString(deployment.UpstreamModel);
        string path = stream ? $"models/{model}:streamGenerateContent?alt=sse" : $"models/{model}:generateContent";
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseUrl, path))
        {
            Content = OpenAIBodies.Json(GeminiRequest.Translate(body)),
        };
        if (!string.IsNullOrEmpty(deployment.ApiKey))
            request.Headers.TryAddWithoutValidation("x-goog-api-key", deployment.ApiKey);
        return request;
    }

    public HttpResponseMessage TranslateResponse(HttpResponseMessage response, CatalogModel deployment, LlmEndpoint endpoint, bool stream)
    {
        int status = (int)response.StatusCode;
        if (status is >= 300 and < 400 or 401 or 403 or 407)
            return response; // never read: Nemo answers these itself
        if (!response.IsSuccessStatusCode)
            response.Content = GeminiContent.Error(response.Content, status);
        else if (!stream)
            response.Content = GeminiContent.Completion(response.Content, deployment.UpstreamModel, time);
        else if (response.Content.Headers.ContentType?.MediaType?.Equals("text/event-stream", StringComparison.OrdinalIgnoreCase) == true)
            response.Content = GeminiContent.Events(response.Content, deployment.UpstreamModel, time);
        // else: a plain reply to a stream request, which the relay refuses as it is (502, nothing charged)
        return response;
    }
}
