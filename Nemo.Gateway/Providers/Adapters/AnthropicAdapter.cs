using System.Net.Http.Headers;
using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers.Adapters.Anthropic;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// Anthropic's Messages API: <c>POST {BaseUrl}/messages</c> with <c>x-api-key</c> and
/// <c>anthropic-version</c> (the provider's <c>ApiVersion</c>, default <see cref="DefaultVersion"/>).
/// Chat completions only. The OpenAI-shaped request is rewritten into a Messages request
/// (<see cref="AnthropicRequest"/>), refused before anything is reserved when it can't be faithfully; the
/// message or event stream comes back as a chat completion or chunks (<see cref="AnthropicMessageStream"/>,
/// <see cref="AnthropicEventStream"/>), translated as it is read. Error bodies are left as they are:
/// Anthropic's <c>{"type":"error","error":{"type","message"}}</c> already has the <c>error</c> object
/// <see cref="UpstreamCall"/> reads, and its statuses (400, 404, 413, 429, 500, 529 overloaded) map as any provider's.
/// </summary>
internal sealed class AnthropicAdapter(TimeProvider time) : IProviderAdapter
{
    public const string DefaultVersion = "2023-06-01";

    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    public bool Serves(LlmEndpoint endpoint) => endpoint == LlmEndpoint.ChatCompletions;

    public OpenAIError? Refuses(LlmEndpoint endpoint, JsonElement request) =>
        endpoint == LlmEndpoint.ChatCompletions ? AnthropicRequest.Refusal(request) : null;

    public HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream)
    {
        var content = new ByteArrayContent(AnthropicRequest.Translate(body, deployment.OutputCap));
        content.Headers.ContentType = JsonType;
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(deployment.BaseUrl, "messages")) { Content = content };
        if (!string.IsNullOrEmpty(deployment.ApiKey))
            request.Headers.TryAddWithoutValidation("x-api-key", deployment.ApiKey);
        request.Headers.TryAddWithoutValidation("anthropic-version", deployment.ApiVersion ?? DefaultVersion);
        return request;
    }

    public HttpResponseMessage TranslateResponse(HttpResponseMessage response, CatalogModel deployment, LlmEndpoint endpoint, bool stream)
    {
        if (!response.IsSuccessStatusCode)
            return response;
        long created = time.GetUtcNow().ToUnixTimeSeconds();
        string? media = response.Content.Headers.ContentType?.MediaType;
        if (!stream)
            response.Content = new TranslatedContent(response.Content, "application/json", inner => new AnthropicMessageStream(inner, created));
        else if (media is null || !media.EndsWith("json", StringComparison.OrdinalIgnoreCase))
            response.Content = new TranslatedContent(response.Content, "text/event-stream", inner => new AnthropicEventStream(inner, new AnthropicEventTranslator(created)));
        // A stream request answered with plain JSON is left as it is: the relay refuses it (502, nothing billed).
        return response;
    }
}
