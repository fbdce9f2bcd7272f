using System.Buffers;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Hosting;
using Nemo.Gateway.Keys;
using Nemo.Gateway.Proxy;

namespace Nemo.Gateway.Anthropic;

/// <summary>
/// <c>POST /v1/messages</c>: Anthropic's Messages API for Anthropic-SDK clients, served by translating
/// to and from the OpenAI chat completion Nemo proxies — the same authorizer, reservation, billing, usage
/// event and request log (which name the route <c>/v1/chat/completions</c>). The key comes in
/// <c>x-api-key</c> (as the Anthropic SDKs send it) or <c>Authorization: Bearer</c>. Errors are in
/// Anthropic's shape.
/// </summary>
internal static class MessagesApi
{
    public static IEndpointRouteBuilder MapNemoMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", HandleAsync);
        return app;
    }

    private static async Task HandleAsync(HttpContext context, ProxyHandler proxy, KeyAuthenticator keys, GatewayOptions options)
    {
        HttpRequest request = context.Request;
        if (string.IsNullOrEmpty(request.Headers.Authorization) && request.Headers["x-api-key"] is [{ Length: > 0 } apiKey])
            request.Headers.Authorization = "Bearer " + apiKey;
        // The key first, as on every route: an unknown caller gets 401 before Nemo reads its body.
        (KeyEntry? key, OpenAIError authError) = await keys.AuthenticateAsync(context);
        if (key is null)
        {
            await AnthropicError.From(authError).WriteAsync(context.Response);
            return;
        }
        (byte[]? body, int length, OpenAIError bodyError) = await RequestBody.ReadAsync(request, options.MaxRequestBodyBytes, context.RequestAborted);
        if (body is null)
        {
            await AnthropicError.From(bodyError).WriteAsync(context.Response);
            return;
        }
        MessagesRequest.Translated? translated;
        AnthropicError invalid;
        try
        {
            MessagesRequest.TryTranslate(body.AsSpan(0, length), out translated, out invalid);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(body);
        }
        if (translated is null)
        {
            await invalid.WriteAsync(context.Response);
            return;
        }

        request.Body = new MemoryStream(translated.Body, writable: false);
        request.ContentLength = translated.Body.Length;
        request.ContentType = "application/json";
        IHttpResponseBodyFeature original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        var translating = new AnthropicResponseBody(context, original, translated.Model);
        context.Features.Set<IHttpResponseBodyFeature>(translating);
        try
        {
            await proxy.HandleAsync(context, LlmEndpoint.ChatCompletions);
            await translating.FinishAsync();
        }
        finally
        {
            context.Features.Set(original);
        }
    }
}
