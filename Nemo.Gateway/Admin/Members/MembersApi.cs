using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Grains.Tenancy;
using Nemo.Persistence.Database;

namespace Nemo.Gateway.Admin.Members;

/// <summary><c>GET /v1/members</c> (all roles), <c>PATCH, DELETE /v1/members/{user_id}</c> (owner, admin).</summary>
internal static class MembersApi
{
    public static IEndpointRouteBuilder MapNemoMembersApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/members", ListAsync).Members(MemberRole.Viewer, "list members");
        app.MapPatch("/v1/members/{userId}", PatchAsync).Members(MemberRole.Admin, "change members");
        app.MapDelete("/v1/members/{userId}", DeleteAsync).Members(MemberRole.Admin, "remove members");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, MemberStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> PatchAsync(HttpContext context, string userId, MemberStore store, Propagation propagation, IOptions<AdminOptions> options)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(userId, "member", out Guid user, out OpenAIError error))
            return error.ToResult();
        (JsonInput? input, OpenAIError inputError) = await JsonInput.ReadAsync(context.Request, options.Value.MaxBodyBytes);
        if (input is null)
            return inputError.ToResult();
        MemberRole? role = null;
        Guid? team;
        using (input)
        {
            if (!input.OnlyKnown(out error, "role", "team_id")
                || !input.OptionalNonEmptyString("role", 16, out string? roleText, out error)
                || !input.OptionalGuid("team_id", out team, out error))
                return error.ToResult();
            if (roleText is null && team is null)
                return OpenAIError.BadRequest("Send role (owner, admin, member or viewer) and/or team_id.", "role", "missing_required_parameter").ToResult();
            if (roleText is not null)
            {
                if (!TryParseRole(roleText, out MemberRole parsed))
                    return RoleError(roleText).ToResult();
                role = parsed;
            }
        }
        Outcome<(MemberRow Member, ChangedKeys Keys)> outcome = await store.ChangeAsync(caller, user, new MemberChange(role, team), context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value.Keys.Ids, CancellationToken.None);
        return AdminJson.Ok(outcome.Value.Member);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string userId, MemberStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(userId, "member", out Guid user, out OpenAIError error))
            return error.ToResult();
        Outcome<ChangedKeys> outcome = await store.RemoveAsync(caller, user, leaving: false, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        return AdminJson.Ok(new { user_id = user, removed = true, revoked_keys = outcome.Value.Ids });
    }

    public static bool TryParseRole(string text, out MemberRole role)
    {
        role = default;
        if (text is not ("owner" or "admin" or "member" or "viewer"))
            return false;
        role = TenancyNames.ParseRole(text);
        return true;
    }

    public static OpenAIError RoleError(string text) =>
        OpenAIError.BadRequest($"role must be owner, admin, member or viewer (got '{text}').", "role", "invalid_value");
}
