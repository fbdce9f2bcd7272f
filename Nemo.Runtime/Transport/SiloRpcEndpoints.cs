using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json.Serialization.Metadata;
using Nemo.Runtime.Hosting;
using Nemo.Runtime.Silo;

namespace Nemo.Runtime.Transport;

/// <summary>Maps <c>POST /_nemo/rpc/{operation}</c>, the HTTP/2 face of <see cref="LocalSiloEndpoint"/>.</summary>
public static class SiloRpcEndpoints
{
    public static IEndpointRouteBuilder MapNemoSiloRpc(this IEndpointRouteBuilder app)
    {
        RouteGroupBuilder rpc = app.MapGroup("/_nemo/rpc").AddEndpointFilter(async (context, next) =>
        {
            // Silo calls are served only on the silo-call listener, never on the public port.
            if (context.HttpContext.Connection.LocalPort != context.HttpContext.RequestServices.GetRequiredService<SiloListener>().Port)
                return Results.NotFound();
            ClusterSecret secret = context.HttpContext.RequestServices.GetRequiredService<ClusterSecret>();
            return secret.Matches(context.HttpContext.Request.Headers[ClusterSecret.HeaderName])
                ? await next(context)
                : Results.StatusCode(StatusCodes.Status403Forbidden);
        });
        Map(rpc, "authorize", RpcJsonContext.Default.AuthorizeRequest, RpcJsonContext.Default.AuthorizeResult, (s, r, ct) => s.AuthorizeAsync(r, ct));
        Map(rpc, "settle", RpcJsonContext.Default.SettleRequest, RpcJsonContext.Default.SettleReply, (s, r, ct) => s.SettleAsync(r, ct));
        Map(rpc, "release", RpcJsonContext.Default.ReleaseRequest, RpcJsonContext.Default.AckReply, (s, r, ct) => s.ReleaseAsync(r, ct));
        Map(rpc, "credits", RpcJsonContext.Default.CreditsQuery, RpcJsonContext.Default.CreditsReply, (s, r, ct) => s.GetCreditsAsync(r, ct));
        Map(rpc, "budget", RpcJsonContext.Default.BudgetQuery, RpcJsonContext.Default.BudgetReply, (s, r, ct) => s.GetBudgetAsync(r, ct));
        Map(rpc, "refresh", RpcJsonContext.Default.RefreshCommand, RpcJsonContext.Default.AckReply, (s, r, ct) => s.RefreshAsync(r, ct));
        Map(rpc, "reassert", RpcJsonContext.Default.ReassertRequest, RpcJsonContext.Default.AckReply, (s, r, ct) => s.ReassertAsync(r, ct));
        Map(rpc, "deactivate-organization", RpcJsonContext.Default.DeactivateOrganizationCommand, RpcJsonContext.Default.AckReply, (s, r, ct) => s.DeactivateOrganizationAsync(r, ct));
        return app;
    }

    private static void Map<TRequest, TResponse>(RouteGroupBuilder group, string operation, JsonTypeInfo<TRequest> requestType,
        JsonTypeInfo<TResponse> responseType, Func<LocalSiloEndpoint, TRequest, CancellationToken, ValueTask<TResponse>> handler)
    {
        group.MapPost(operation, async (HttpContext context) =>
        {
            TRequest? request = await context.Request.ReadFromJsonAsync(requestType, context.RequestAborted);
            if (request is null)
                return Results.BadRequest();
            LocalSiloEndpoint silo = context.RequestServices.GetRequiredService<LocalSiloEndpoint>();
            try
            {
                // Not cancelled by the caller going away: a settle that started must finish its write.
                TResponse response = await handler(silo, request, CancellationToken.None);
                return Results.Json(response, responseType);
            }
            catch (SiloUnavailableException)
            {
                return Results.StatusCode(StatusCodes.Status503ServiceUnavailable); // the caller retries
            }
        });
    }
}
