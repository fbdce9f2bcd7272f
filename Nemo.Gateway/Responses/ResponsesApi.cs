using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Translation;

namespace Nemo.Gateway.Responses;

/// <summary>
/// <c>POST /v1/responses</c>: the OpenAI Responses API, plain and streamed, served by translating to and
/// from the chat completion Nemo proxies — the same authorizer, reservation, billing, usage event and
/// request log (which name the route <c>/v1/chat/completions</c>). Nemo stores no responses.
/// </summary>
internal static class ResponsesApi
{
    public static IEndpointRouteBuilder MapNemoResponsesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/responses", (HttpContext context, TranslatedRoute route, ResponsesDialect dialect) => route.HandleAsync(context, dialect));
        return app;
    }
}
