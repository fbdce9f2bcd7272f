using System.Text.Json;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Providers.Adapters;

/// <summary>
/// How one kind of provider is called. Nemo's proxy speaks OpenAI's chat-completion shapes inside
/// (validation, reservation, usage, stream relay, billing); an adapter translates at the wire, both
/// ways: the OpenAI-shaped request body into the provider's request (URL, credentials, body), and the
/// provider's response (a body, a stream of events, an error) back into OpenAI's shapes, usage
/// included. Adding a provider kind means one adapter and its tests, registered in
/// <see cref="ProviderAdapters"/>, and nothing in the proxy.
/// </summary>
internal interface IProviderAdapter
{
    /// <summary>Whether this kind of provider serves the endpoint at all (a model whose deployments don't is refused 400 before authorization).</summary>
    bool Serves(LlmEndpoint endpoint);

    /// <summary>
    /// Why this provider can't serve the (already validated, OpenAI-shaped) request faithfully, as a 400
    /// naming the parameter, or null. Checked before authorization for every deployment of the requested
    /// model, so a refusal reserves and bills nothing and the provider is never called.
    /// </summary>
    OpenAIError? Refuses(LlmEndpoint endpoint, JsonElement request) => null;

    /// <summary>
    /// The request for one deployment. <paramref name="body"/> is the OpenAI-shaped body Nemo validated
    /// (its <c>model</c> already the deployment's <see cref="CatalogModel.UpstreamModel"/>);
    /// <paramref name="stream"/> says whether the client asked for a stream.
    /// </summary>
    HttpRequestMessage CreateRequest(CatalogModel deployment, LlmEndpoint endpoint, ReadOnlyMemory<byte> body, bool stream);

    /// <summary>
    /// The provider's response in OpenAI's shapes: the same message with its content replaced (or
    /// itself, for OpenAI-shaped providers). Called once the headers have arrived, for every status;
    /// content is translated lazily, as it is read, so a stream stays a stream.
    /// </summary>
    HttpResponseMessage TranslateResponse(HttpResponseMessage response, CatalogModel deployment, LlmEndpoint endpoint, bool stream);
}
