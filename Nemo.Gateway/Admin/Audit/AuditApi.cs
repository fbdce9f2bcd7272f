using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Audit;

/// <summary><c>GET /v1/audit</c> (owner, admin): the organization's audit trail, newest first, filterable by action, actor and target.</summary>
internal static class AuditApi
{
    public static IEndpointRouteBuilder MapNemoAuditApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/audit", ListAsync).Members(MemberRole.Admin, "read the audit trail");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, AdminDatabase database, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!Paging.TryRead(context.Request, options.Value.MaxPageSize, out Paging paging, out OpenAIError error))
            return error.ToResult();
        string? action = context.Request.Query["action"], actor = context.Request.Query["actor"], target = context.Request.Query["target"];
        await using AdminSession session = await database.TenantAsync(caller.OrganizationId, context.RequestAborted);
        List<AuditRow> rows = await session.ListAsync(
            """
            SELECT id, actor, ip, action, target, before::text, after::text, created_at FROM nemo.audit_log
            WHERE organization_id = @org AND (@after::bigint IS NULL OR id < @after)
              AND (@action::text IS NULL OR action = @action OR action LIKE @action || '.%')
              AND (@actor::text IS NULL OR actor = @actor) AND (@target::text IS NULL OR target = @target)
            ORDER BY id DESC LIMIT @limit
            """,
            r => new AuditRow(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                Json(r, 5), Json(r, 6), r.GetFieldValue<DateTimeOffset>(7)),
            context.RequestAborted, ("org", caller.OrganizationId), ("after", paging.AfterNumber), ("action", action), ("actor", actor), ("target", target),
            ("limit", paging.Fetch));
        return paging.Page(rows, r => (r.Id, r.Id.ToString(CultureInfo.InvariantCulture)));
    }

    private static JsonElement? Json(Npgsql.NpgsqlDataReader reader, int ordinal)
    {
        if (reader.IsDBNull(ordinal))
            return null;
        using JsonDocument document = JsonDocument.Parse(reader.GetString(ordinal));
        return document.RootElement.Clone();
    }
}
