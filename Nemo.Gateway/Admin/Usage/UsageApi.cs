using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Usage;

/// <summary>
/// <c>GET /v1/usage</c> (all roles): totals grouped by key, member, team, customer, model or day;
/// <c>GET /v1/usage/export</c> (owner, admin): CSV; <c>GET /v1/activity</c> (all roles): request metadata, newest first.
/// </summary>
internal static class UsageApi
{
    public static IEndpointRouteBuilder MapNemoUsageApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/usage", UsageAsync).Members(MemberRole.Viewer, "read usage");
        app.MapGet("/v1/usage/export", ExportAsync).Members(MemberRole.Admin, "export usage");
        app.MapGet("/v1/activity", ActivityAsync).Members(MemberRole.Viewer, "read activity");
        return app;
    }

    private static async Task<IResult> UsageAsync(HttpContext context, UsageStore store)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string groupBy = context.Request.Query["group_by"].ToString() is { Length: > 0 } g ? g : "day";
        if (UsageGrouping.Expression(groupBy) is null)
            return GroupByError(groupBy).ToResult();
        if (!UsageWindow.TryParse(context.Request, out RawWindow raw, out OpenAIError error) || !TryKey(context.Request, out Guid? keyId, out error))
            return error.ToResult();
        (UsageWindow? window, List<UsageRow> rows, error) = await store.GroupAsync(caller.OrganizationId, groupBy, raw, keyId, context.RequestAborted);
        if (window is null)
            return error.ToResult();
        return AdminJson.Ok(new { @object = "list", group_by = groupBy, from = window.From, to = window.To, timezone = window.Timezone, data = rows });
    }

    private static async Task ExportAsync(HttpContext context, UsageStore store)
    {
        AdminCaller caller = AdminCaller.Of(context);
        string? groupBy = context.Request.Query["group_by"].ToString() is { Length: > 0 } g ? g : null;
        if (groupBy is not null && UsageGrouping.Expression(groupBy) is null)
        {
            await GroupByError(groupBy).WriteAsync(context.Response);
            return;
        }
        if (!UsageWindow.TryParse(context.Request, out RawWindow raw, out OpenAIError error))
        {
            await error.WriteAsync(context.Response);
            return;
        }
        OpenAIError? failed = await store.ExportAsync(caller.OrganizationId, groupBy, raw, window =>
        {
            context.Response.ContentType = "text/csv; charset=utf-8";
            context.Response.Headers.ContentDisposition =
                $"attachment; filename=\"nemo-usage-{window.From.UtcDateTime:yyyyMMdd}-{window.To.UtcDateTime:yyyyMMdd}{(groupBy is null ? "" : "-by-" + groupBy)}.csv\"";
            return context.Response.Body;
        }, context.RequestAborted);
        if (failed is { } problem)
            await problem.WriteAsync(context.Response);
    }

    private static async Task<IResult> ActivityAsync(HttpContext context, UsageStore store, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!Paging.TryRead(context.Request, options.Value.MaxPageSize, out Paging paging, out OpenAIError error) || !TryKey(context.Request, out Guid? keyId, out error))
            return error.ToResult();
        List<ActivityRow> rows = await store.ActivityAsync(caller.OrganizationId, keyId, paging, context.RequestAborted);
        return paging.Page(rows, r => (r.OccurredAt.UtcTicks, r.Seq.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static bool TryKey(HttpRequest request, out Guid? keyId, out OpenAIError error)
    {
        keyId = null;
        error = default;
        string? text = request.Query["key_id"];
        if (string.IsNullOrEmpty(text))
            return true;
        if (Guid.TryParse(text, out Guid parsed))
        {
            keyId = parsed;
            return true;
        }
        error = OpenAIError.BadRequest($"key_id must be a key's UUID (got '{text}').", "key_id", "invalid_value");
        return false;
    }

    private static OpenAIError GroupByError(string groupBy) =>
        OpenAIError.BadRequest($"group_by must be one of {string.Join(", ", UsageGrouping.Names)} (got '{groupBy}').", "group_by", "invalid_value");
}
