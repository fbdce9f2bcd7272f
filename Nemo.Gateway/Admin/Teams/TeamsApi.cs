using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Nemo.Gateway.Admin.Http;
using Nemo.Gateway.Admin.Members;
using Nemo.Gateway.Admin.Storage;
using Nemo.Gateway.Errors;
using Nemo.Gateway.Providers;
using Nemo.Grains.Tenancy;

namespace Nemo.Gateway.Admin.Teams;

/// <summary><c>GET, POST /v1/teams</c> (read: all; write: owner, admin) and <c>PATCH, DELETE /v1/teams/{id}</c> (owner, admin).</summary>
internal static class TeamsApi
{
    public static IEndpointRouteBuilder MapNemoTeamsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/teams", ListAsync).Members(MemberRole.Viewer, "list teams");
        app.MapPost("/v1/teams", CreateAsync).Members(MemberRole.Admin, "create teams");
        app.MapPatch("/v1/teams/{id}", PatchAsync).Members(MemberRole.Admin, "change teams");
        app.MapDelete("/v1/teams/{id}", DeleteAsync).Members(MemberRole.Admin, "delete teams");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpContext context, TeamStore store) =>
        AdminJson.List(await store.ListAsync(AdminCaller.Of(context).OrganizationId, context.RequestAborted));

    private static async Task<IResult> CreateAsync(HttpContext context, CreateTeamRequest request, TeamStore store)
    {
        Outcome<TeamView> outcome = await store.CreateAsync(AdminCaller.Of(context), request.Name, request.Rpm, request.Tpm, context.RequestAborted);
        return outcome.Ok ? AdminJson.Created(outcome.Value!) : outcome.Error.ToResult();
    }

    private static async Task<IResult> PatchAsync(HttpContext context, string id, UpdateTeamRequest request, TeamStore store, Propagation propagation, ModelCatalog catalog)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "team", out Guid teamId, out OpenAIError error))
            return error.ToResult();
        string[]? models = null;
        if (request.Models is { IsSet: true, Value: { } names })
        {
            if (!ModelAllowList.TryResolve("models", names, m => catalog.TryFind(m, out _), out models, out error))
                return error.ToResult();
        }
        var change = new TeamChange(request.Name.Value, request.Status.Value, request.Rpm.IsSet, request.Rpm.Value, request.Tpm.IsSet, request.Tpm.Value,
            request.Models.IsSet, models);
        Outcome<TeamView> outcome = await store.UpdateAsync(caller, teamId, change, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.TeamAsync(caller.OrganizationId, teamId, CancellationToken.None);
        return AdminJson.Ok(outcome.Value!);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string id, TeamStore store, Propagation propagation)
    {
        AdminCaller caller = AdminCaller.Of(context);
        if (!RouteIds.TryParse(id, "team", out Guid teamId, out OpenAIError error))
            return error.ToResult();
        Outcome<ChangedKeys> outcome = await store.DeleteAsync(caller, teamId, context.RequestAborted);
        if (!outcome.Ok)
            return outcome.Error.ToResult();
        await propagation.OrganizationKeysAsync(caller.OrganizationId, outcome.Value!.Ids, CancellationToken.None);
        await propagation.TeamAsync(caller.OrganizationId, teamId, CancellationToken.None);
        await propagation.BudgetAsync(caller.OrganizationId, new BudgetScope(BudgetScopeKind.Team, teamId.ToString()), CancellationToken.None);
        return AdminJson.Ok(new { id = teamId, deleted = true, moved_keys = outcome.Value.Ids });
    }
}
