using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Translation;

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
    private static readonly MessagesDialect Dialect = new();

    public static IEndpointRouteBuilder MapNemoMessagesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/messages", (HttpContext context, TranslatedRoute route) =>
        {
            HttpRequest request = context.Request;
            if (string.IsNullOrEmpty(request.Headers.Authorization) && request.Headers["x-api-key"] is [{ Length: > 0 } apiKey])
                request.Headers.Authorization = "Bearer " + apiKey;
            return route.HandleAsync(context, Dialect);
        });
        return app;
    }
}
