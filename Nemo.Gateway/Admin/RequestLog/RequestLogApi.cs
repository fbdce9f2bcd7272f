using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Usage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.RequestLog;

/// <summary>
/// <c>GET /v1/logs</c> (all roles): one entry per request of the caller's organization, newest first —
/// billed requests and those that ended without a usage event — with filters and cursor paging.
/// <c>GET /v1/logs/{request_id}/content</c> (owner, admin): a request's kept text, when the organization
/// had content logging on at the time.
/// </summary>
internal static class RequestLogApi
{
    public static IEndpointRouteBuilder MapNemoRequestLogApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/logs", ListAsync).Members(MemberRole.Viewer, "read request logs");
        app.MapGet("/v1/logs/{id}/content", ContentAsync).Members(MemberRole.Admin, "read requests' kept text");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, RequestLogStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!Paging.TryRead(context.Request, options.Value.MaxPageSize, out Paging paging, out OpenAIError error)
            || !RequestLogFilter.TryParse(context.Request, out RequestLogFilter filter, out error)
            || !UsageWindow.TryParse(context.Request, out RawWindow raw, out error))
            return error.ToResult();
        (List<RequestLogEntry>? rows, error) = await store.ListAsync(caller.OrganizationId, filter, raw, paging, context.RequestAborted);
        if (rows is null)
            return error.ToResult();
        return paging.Page(rows, r => (r.CreatedAt.UtcTicks, r.Id.ToString()));
    }

    private static async Task<IResult> ContentAsync(HttpContext context, string id, RequestLogStore store)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "request content", out Guid requestId, out OpenAIError error))
            return error.ToResult();
        RequestContentView? content = await store.ContentAsync(caller.OrganizationId, requestId, context.RequestAborted);
        return content is null ? AdminErrors.NotFound("request content", id).ToResult() : AdminJson.Ok(content);
    }
}
